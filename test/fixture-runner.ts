// Runs the real pipeline over annotated fixtures and diffs expected against
// actual findings both ways. Expectations live in the C files:
//   /* expect: fsdax/index-read */   or   /* expect: fsdax/a, fsdax/b "message fragment" */
//   /* expect: fsdax/a@info */ also checks the severity (error, warning, info).
// A fixture's era comes from `/* era: 5.19-6.1 */` in its first lines, or, in a
// tree, from its marker headers; single files default to 6.2-6.14.
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles, Finding } from '../server/src/analysis/audit';
import { detectEra, EraDetection } from '../server/src/model/era';
import { ERAS, Era } from '../server/src/model/types';

export interface Expectation { file: string; line: number; ruleId: string; fragment?: string; severity?: Finding['severity'] }

const EXPECT_RE = /\/\*\s*expect:\s*(.*?)\s*\*\//g;

export function readExpectations(file: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    for (const m of lineText.matchAll(EXPECT_RE)) {
      for (const part of m[1].split(/,(?=\s*fsdax\/)/)) {
        const pm = /^\s*(fsdax\/[\w-]+)(?:@(error|warning|info))?(?:\s+"([^"]*)")?\s*$/.exec(part);
        if (!pm) throw new Error(`${file}:${i + 1}: malformed expectation "${part}"`);
        out.push({ file, line: i + 1, ruleId: pm[1], severity: pm[2] as Expectation['severity'], fragment: pm[3] });
      }
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

/** Audits one fixture file, or a fixture tree (every .c/.h below it), and diffs. */
export function checkFixture(target: string): FixtureResult {
  const isTree = fs.statSync(target).isDirectory();
  const root = isTree ? target : path.dirname(target);
  const paths = isTree ? listFiles(target) : [target];
  const files = paths.map((p) => ({ path: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') }));
  const era = eraOf(files, isTree ? root : undefined);
  const result = auditFiles(files.map((f) => ({ path: f.path, content: Buffer.from(f.text) })), { era });
  const expectations = files.flatMap((f) => readExpectations(f.path, f.text));
  const unmatched = [...result.findings];
  const missing: Expectation[] = [];
  for (const e of expectations) {
    const i = unmatched.findIndex((f) => f.file === e.file && f.range.start.line + 1 === e.line && f.ruleId === e.ruleId && (!e.severity || f.severity === e.severity) && (!e.fragment || f.message.includes(e.fragment)));
    if (i >= 0) unmatched.splice(i, 1); else missing.push(e);
  }
  return { missing, noisy: unmatched, findings: result.findings, expectations };
}

export function describeDiff(target: string, r: FixtureResult): string {
  const rows = [
    ...r.missing.map((e) => ({ file: e.file, line: e.line, text: `missing ${String(e.line).padStart(4)}  ${e.ruleId.padEnd(24)} expected, not reported${e.severity ? ` (${e.severity})` : ''}${e.fragment ? ` ("${e.fragment}")` : ''}` })),
    ...r.noisy.map((f) => ({ file: f.file, line: f.range.start.line + 1, text: `noisy   ${String(f.range.start.line + 1).padStart(4)}  ${f.ruleId.padEnd(24)} reported, not expected: ${f.severity} "${f.message}"` })),
  ].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  let out = `${target}\n`;
  let last = '';
  for (const row of rows) {
    if (row.file !== last) { out += `  ${row.file}\n`; last = row.file; }
    out += `    ${row.text}\n`;
  }
  return out;
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}
