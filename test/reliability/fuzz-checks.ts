// Fuzzing oracles: what must hold for any input, checked on one FuzzCase.
// - parse layer: never throws; parsedText keeps length and line breaks; the
//   tree stays inside the text; an incremental reparse equals a fresh parse
//   (node for node when the text parses without errors);
// - analysis: auditFiles never throws and reports no internal problem, except
//   that a function nested too deeply to walk is reported as such (its findings
//   are missing, the rest of the audit is not): only for the deep-nesting cases;
// - CLI (child process): exit 0/1 for files it could read, never a stack trace
//   without --debug, a JSON report on stdout.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseSource, reparseSource, ParsedFile } from '../../server/src/parse/parser';
import { auditFiles } from '../../server/src/analysis/audit';
import { ERAS } from '../../server/src/model/types';
import { FuzzCase, treeSignature } from './fuzz-lib';
import { allRules } from '../../server/rules/index';

export type Stage = 'parse-bytes' | 'parse-string' | 'reparse' | 'audit' | 'cli';

export interface Failure {
  index: number;
  label: string;
  stage: Stage;
  message: string;
  /** Matches a bug already reported (see docs/reliability.md); counted apart, fails only with --strict. */
  known?: string;
}

/** The reported analysis bug: recursive CFG/dataflow walks overflow the stack on 10,000-deep nesting. */
const KNOWN_DEEP_RECURSION = 'analysis recursion overflows the stack on deep nesting (reported, issue 8)';

function known(c: FuzzCase, stage: Stage, message: string): string | undefined {
  if (c.deep && (stage === 'audit' || stage === 'cli') && /Maximum call stack size exceeded/.test(message)) return KNOWN_DEEP_RECURSION;
  return undefined;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);

/** Invariants every ParsedFile keeps, whatever the input. Returns the first broken one. */
export function parsedInvariant(p: ParsedFile): string | undefined {
  const text = p.view.text;
  if (p.parsedText.length !== text.length) return `parsedText has ${p.parsedText.length} chars, text ${text.length}`;
  for (let i = 0; i < text.length; i++) {
    const a = text.charCodeAt(i);
    const b = p.parsedText.charCodeAt(i);
    if ((a === 10 || a === 13 || b === 10 || b === 13) && a !== b) return `line break at ${i} not kept by the preprocessor`;
  }
  const root = p.tree.rootNode;
  if (root.endIndex > text.length) return `tree ends at ${root.endIndex}, past the text (${text.length})`;
  for (const pr of p.problems) if (pr.offset < 0 || pr.offset > text.length) return `problem offset ${pr.offset} outside the text`;
  return undefined;
}

export interface CheckOptions { era?: (typeof ERAS)[number] }

/** Runs the in-process stages on one case. */
export function checkInProcess(c: FuzzCase, opts: CheckOptions = {}): Failure[] {
  const failures: Failure[] = [];
  const fail = (stage: Stage, message: string) => failures.push({ index: c.index, label: c.label, stage, message, known: known(c, stage, message) });
  const stage = <T>(s: Stage, f: () => T): T | undefined => {
    try { return f(); } catch (e) { fail(s, `threw ${errorText(e)}`); return undefined; }
  };
  const fromBytes = stage('parse-bytes', () => parseSource('mm/fuzz.c', c.content));
  const bad1 = fromBytes && parsedInvariant(fromBytes);
  if (bad1) fail('parse-bytes', bad1);
  // An editor hands over text, not bytes: invalid UTF-8 arrives as U+FFFD.
  const text = c.content.toString('utf8');
  let prev = stage('parse-string', () => parseSource('mm/fuzz.c', text));
  const bad2 = prev && parsedInvariant(prev);
  if (bad2) fail('parse-string', bad2);
  for (const [k, next] of c.edits.entries()) {
    if (!prev) break;
    const base: ParsedFile = prev;
    const r = stage('reparse', () => reparseSource(base, next));
    const fresh = stage('reparse', () => parseSource('mm/fuzz.c', next));
    if (!r || !fresh) break;
    const bad = parsedInvariant(r);
    if (bad) { fail('reparse', `edit ${k + 1}: ${bad}`); break; }
    // tree-sitter promises the same tree only for error-free text: its error
    // recovery may group ERROR nodes differently when it reuses subtrees.
    const sameRange = r.tree.rootNode.startIndex === fresh.tree.rootNode.startIndex && r.tree.rootNode.endIndex === fresh.tree.rootNode.endIndex;
    if (!sameRange) { fail('reparse', `edit ${k + 1}: incremental tree spans a different range than a fresh parse`); break; }
    if (!fresh.tree.rootNode.hasError && treeSignature(r.tree) !== treeSignature(fresh.tree)) { fail('reparse', `edit ${k + 1}: incremental tree differs from a fresh parse of error-free text`); break; }
    prev = r;
  }
  const era = { era: opts.era ?? '6.2-6.14', known: true, evidence: 'fuzz' } as const;
  const result = stage('audit', () => auditFiles([{ path: 'mm/fuzz.c', content: c.content }], { era, rules: allRules }));
  for (const p of result?.problems ?? []) {
    if (p.kind !== 'internal') continue;
    if (c.deep && /too deeply nested to analyse/.test(p.message)) continue; // contained and said, by design
    fail('audit', `internal problem: ${p.message}`);
  }
  return failures;
}

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;
const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'fsdax-audit.js');

export interface CliOutcome { status: number | null; signal: string | null; stderr: string; stdout: string; timedOut: boolean }

export function runCli(args: string[], timeoutMs = 120000): CliOutcome {
  // Never the user's result cache: each run is a real analysis.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, FSDAX_AUDIT_NO_CACHE: '1' } });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { status: r.status, signal: r.signal, stderr: r.stderr ?? '', stdout: r.stdout ?? '', timedOut };
}

/** What is wrong with a CLI run over readable files, or undefined. */
export function cliVerdict(o: CliOutcome): string | undefined {
  if (o.timedOut) return 'timed out';
  if (o.signal) return `killed by ${o.signal}`;
  const firstErr = o.stderr.split('\n').find((l) => l.trim()) ?? '';
  if (STACK_LINE.test(o.stderr)) return `stack trace without --debug (exit ${o.status}): ${firstErr}`;
  if (o.status !== 0 && o.status !== 1) return `exit ${o.status} for readable files: ${firstErr}`;
  try { JSON.parse(o.stdout); } catch { return `stdout is not a JSON report (exit ${o.status})`; }
  return undefined;
}

/**
 * Writes the cases into a scratch tree (mm/case-<index>.c) and runs the CLI
 * once over all of them; when that fails, once per case to name the culprit.
 */
export function checkCli(cases: readonly FuzzCase[], scratch: string): Failure[] {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(path.join(scratch, 'mm'), { recursive: true });
  const fileOf = (c: FuzzCase) => path.join(scratch, 'mm', `case-${c.index}.c`);
  for (const c of cases) fs.writeFileSync(fileOf(c), c.content);
  // Files-only: a case run alone must not draw in the other cases.
  const args = (target: string) => ['--format', 'json', '--no-context', '--root', scratch, '--era', '6.2-6.14', target];
  if (!cliVerdict(runCli(args(scratch)))) return [];
  const failures: Failure[] = [];
  for (const c of cases) {
    const o = runCli(args(fileOf(c)));
    const v = cliVerdict(o);
    if (v) failures.push({ index: c.index, label: c.label, stage: 'cli', message: v, known: known(c, 'cli', o.stderr) });
  }
  return failures;
}
