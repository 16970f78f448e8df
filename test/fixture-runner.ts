// Runs the real pipeline over annotated fixtures and diffs expected against
// actual findings both ways. Expectations live in the C files:
//   /* expect: fsdax/index-read */   or   /* expect: fsdax/a, fsdax/b "message fragment" */
//   /* expect: fsdax/a@info */ also checks the severity (error, warning, info);
//   /* expect: fsdax/a race */ (or `high`) checks the confidence, `use=offset` the use kind.
//   /* benign: fsdax/a=decode */ a read whose use cannot hurt: not reported by default, and
//   reported as info with that use under show-benign. Every fixture runs both ways.
// A fixture's era comes from `/* era: 5.19-6.1 */` in its first lines, or, in a
// tree, from its marker headers; single files default to 6.2-6.14.
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles } from '../server/src/analysis/audit';
import type { Finding } from '../server/src/analysis/audit-types';
import { BENIGN_USES } from '../server/src/analysis/sites';
import { detectEra, EraDetection } from '../server/src/model/era';
import { ERAS, Era } from '../server/src/model/types';
import { allRules } from '../server/rules/index';

export interface Expectation {
  file: string; line: number; ruleId: string; fragment?: string; severity?: Finding['severity'];
  confidence?: Finding['confidence']; use?: Finding['use'];
  /** Reported only under show-benign. */
  benign?: boolean;
}

const EXPECT_RE = /\/\*\s*expect:\s*(.*?)\s*\*\//g;
const BENIGN_RE = /\/\*\s*benign:\s*(fsdax\/[\w-]+)=([\w-]+)\s*\*\//g;

export function readExpectations(file: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    for (const m of lineText.matchAll(EXPECT_RE)) {
      for (const part of m[1].split(/,(?=\s*fsdax\/)/)) {
        const pm = /^\s*(fsdax\/[\w-]+)(?:@(error|warning|info))?(?:\s+(high|race))?(?:\s+use=([\w-]+))?(?:\s+"([^"]*)")?\s*$/.exec(part);
        if (!pm) throw new Error(`${file}:${i + 1}: malformed expectation "${part}"`);
        out.push({ file, line: i + 1, ruleId: pm[1], severity: pm[2] as Expectation['severity'], confidence: pm[3] as Expectation['confidence'], use: pm[4] as Expectation['use'], fragment: pm[5] });
      }
    }
    for (const m of lineText.matchAll(BENIGN_RE)) {
      out.push({ file, line: i + 1, ruleId: m[1], severity: 'info', use: m[2] as Expectation['use'], benign: true });
    }
  });
  return out;
}

function eraOf(files: Array<{ path: string; text: string }>, root: string | undefined): EraDetection {
  for (const f of files) {
    const m = /\/\*\s*era:\s*(\S+)\s*\*\//.exec(f.text.slice(0, 400));
    if (m) {
      if (!(ERAS as readonly string[]).includes(m[1])) throw new Error(`${f.path}: unknown era ${m[1]}`);
      return { era: m[1] as Era, known: true, evidence: 'fixture header' };
    }
  }
  if (root) {
    const detected = detectEra((rel) => { const p = path.join(root, rel); return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined; });
    if (detected.known) return detected;
  }
  return { era: '6.2-6.14', known: true, evidence: 'fixture default' };
}

export interface FixtureResult { missing: Expectation[]; noisy: Finding[]; findings: Finding[]; expectations: Expectation[] }

const matches = (f: Finding, e: Expectation) => f.file === e.file && f.range.start.line + 1 === e.line && f.ruleId === e.ruleId && (!e.severity || f.severity === e.severity) &&
  (!e.fragment || f.message.includes(e.fragment)) && (!e.confidence || f.confidence === e.confidence) && (!e.use || f.use === e.use);

function diff(findings: Finding[], expectations: Expectation[]): { missing: Expectation[]; noisy: Finding[] } {
  const noisy = [...findings];
  const missing: Expectation[] = [];
  for (const e of expectations) {
    const i = noisy.findIndex((f) => matches(f, e));
    if (i >= 0) noisy.splice(i, 1); else missing.push(e);
  }
  return { missing, noisy };
}

/** A fixture file, or a fixture tree (every .c/.h below it), as the pipeline gets it: files and era. */
function fixtureInput(target: string) {
  const isTree = fs.statSync(target).isDirectory();
  const root = isTree ? target : path.dirname(target);
  const paths = isTree ? listFiles(target) : [target];
  const files = paths.map((p) => ({ path: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') }));
  return { files, era: eraOf(files, isTree ? root : undefined), sources: files.map((f) => ({ path: f.path, content: Buffer.from(f.text) })) };
}

/** Every finding of a fixture (file or tree), benign reads included. */
export function auditFixture(target: string): Finding[] {
  const { era, sources } = fixtureInput(target);
  return auditFiles(sources, { era, showBenign: true, rules: allRules }).findings;
}

/** Audits one fixture file, or a fixture tree (every .c/.h below it), and diffs. */
export function checkFixture(target: string): FixtureResult {
  const { files, era, sources } = fixtureInput(target);
  const expectations = files.flatMap((f) => readExpectations(f.path, f.text));
  // Default run: benign reads stay hidden. show-benign run: they appear, as info.
  const result = auditFiles(sources, { era, rules: allRules });
  const shown = auditFiles(sources, { era, showBenign: true, rules: allRules });
  const plain = diff(result.findings, expectations.filter((e) => !e.benign));
  const all = diff(shown.findings, expectations.map((e) => (e.benign ? e : { ...e, severity: undefined })));
  const tag = <T>(list: T[], run: string) => list.map((x) => ({ ...x, run }));
  const missing = [...plain.missing, ...tag(all.missing.filter((e) => e.benign), 'show-benign')];
  const noisy = [...plain.noisy, ...tag(all.noisy.filter((f) => BENIGN_USES.has(f.use!)), 'show-benign')];
  return { missing, noisy, findings: result.findings, expectations };
}

export function describeDiff(target: string, r: FixtureResult): string {
  const rows = [
    ...r.missing.map((e) => ({ file: e.file, line: e.line, text: `missing ${String(e.line).padStart(4)}  ${e.ruleId.padEnd(24)} expected, not reported${e.severity ? ` (${e.severity})` : ''}${e.confidence ? ` (${e.confidence})` : ''}${e.use ? ` (use=${e.use})` : ''}${e.fragment ? ` ("${e.fragment}")` : ''}${runOf(e)}` })),
    ...r.noisy.map((f) => ({ file: f.file, line: f.range.start.line + 1, text: `noisy   ${String(f.range.start.line + 1).padStart(4)}  ${f.ruleId.padEnd(24)} reported, not expected: ${f.severity} ${f.confidence} use=${f.use} "${f.message}"${runOf(f)}` })),
  ].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  let out = `${target}\n`;
  let last = '';
  for (const row of rows) {
    if (row.file !== last) { out += `  ${row.file}\n`; last = row.file; }
    out += `    ${row.text}\n`;
  }
  return out;
}

const runOf = (x: object) => ('run' in x ? ` [${String(x.run)} run]` : '');

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}
