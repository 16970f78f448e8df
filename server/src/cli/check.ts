// cli front-end: kbuild's checker hook. `make C=1 CHECK=fsdax-audit-check` (or C=2) runs
//   $(CHECK) $(CHECKFLAGS) $(c_flags) <file.c>
// (scripts/Makefile.build) once per compiled file, as it runs sparse. We take sparse's calling
// convention: every compiler and sparse option is accepted and ignored, the C file is the last
// operand; the tree root is found by walking up from it, the file is audited in the context of
// its tree (the same audit as `fsdax-audit --root <tree> <file>`, answered from the kept result
// after the first run), and the findings go to stderr as gcc prints diagnostics. Like sparse it
// exits 0 whatever it reports unless asked (`--fail-on`).
import * as fs from 'fs';
import * as path from 'path';
import { defaultModel } from '../model/model';
import { findTreeRoot, InputError } from '../host/tree-files';
import type { Finding } from '../analysis/audit-types';
import { pathSteps, tagLegend } from '../analysis/finding-text';
import { runAudit, type CliOptions } from './audit-run';
import type { CliIo } from './cli-io';
import { createProgress } from './progress';
import { TOOL_NAME } from './project';
import { applyCliV8Flags } from './v8-flags';

export const CHECK_NAME = `${TOOL_NAME}-check`;

/** gcc and sparse options whose value is the next argument (`-include file`, `-o out`, `-D NAME`). */
const OPTIONS_WITH_VALUE = new Set(['-include', '-imacros', '-isystem', '-idirafter', '-iprefix', '-iwithprefix', '-iwithprefixbefore', '-iquote', '-isysroot',
  '-o', '-x', '-MF', '-MT', '-MQ', '-D', '-U', '-I', '-L', '-l', '-Xassembler', '-Xpreprocessor', '-Xlinker', '--param', '-aux-info', '-G']);

/** Our own options, `--name=value` or `--flag`, put in CHECK: `make C=2 CHECK="fsdax-audit-check --fail-on=error"`. */
interface CheckOptions { failOn: CliOptions['failOn']; era: string; cacheDir?: string; cache: boolean; showBenign: boolean; minConfidence: CliOptions['minConfidence']; arch: string; debug: boolean }

export interface CheckArgs { files: string[]; options: CheckOptions }

/** Sparse's command line: options (ours, the compiler's, sparse's) and the C files, the last being what kbuild checks. */
export function parseCheckArgs(args: readonly string[]): CheckArgs {
  const options: CheckOptions = { failOn: 'never', era: 'auto', cache: true, showBenign: false, minConfidence: 'race', arch: 'x86', debug: false };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const own = /^--(fail-on|era|cache-dir|min-confidence|fsdax-arch)=(.*)$/.exec(a);
    if (own) {
      const [, key, value] = own;
      if (key === 'fail-on') {
        if (!['error', 'warning', 'info', 'never'].includes(value)) throw new InputError(`--fail-on wants error, warning, info or never (got "${value}")`);
        options.failOn = value as CheckOptions['failOn'];
      } else if (key === 'era') options.era = value;
      else if (key === 'cache-dir') options.cacheDir = value;
      else if (key === 'fsdax-arch') options.arch = value;
      else if (value === 'high' || value === 'race') options.minConfidence = value;
      else throw new InputError(`--min-confidence wants high or race (got "${value}")`);
      continue;
    }
    if (a === '--no-cache') { options.cache = false; continue; }
    if (a === '--show-benign') { options.showBenign = true; continue; }
    if (a === '--debug') { options.debug = true; continue; }
    // sparse's --arch=x86 is CHECKFLAGS' (kbuild adds it); it says which arch/ the build is for.
    const arch = /^--arch=(\w+)$/.exec(a);
    if (arch) { options.arch = arch[1] === 'x86_64' || arch[1] === 'i386' ? 'x86' : arch[1]; continue; }
    if (OPTIONS_WITH_VALUE.has(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    if (/\.[ch]$/.test(a)) files.push(a);
  }
  return { files, options };
}

/** A file no rule can report in: it names no page field the rules read and no helper they look at. */
export function mayHaveFindings(text: string): boolean {
  const model = defaultModel();
  const helpers = [...new Set(Object.values(model.sites).flat())];
  return new RegExp(`(?:->|\\.)\\s*(?:mapping|index|share)\\b|\\b(?:${helpers.join('|')})\\s*\\(`).test(text);
}

const SEVERITY_WORD = { error: 'error', warning: 'warning', info: 'note' } as const;

/** gcc's shape: `file:line:col: warning: headline [tags] [rule]`, the path as `note:` lines, the fix. Paths relative to where make runs. */
export function gccLines(f: Finding, display: (treeRelative: string) => string): string[] {
  const at = (s: Pick<Finding, 'file' | 'range'>) => `${display(s.file)}:${s.range.start.line + 1}:${s.range.start.character + 1}`;
  return [
    `${at(f)}: ${SEVERITY_WORD[f.severity]}: ${f.message} [${f.ruleId}]`,
    ...pathSteps(f).map((s) => `${at(s)}: note: ${s.label}`),
    ...(f.related ?? []).map((s) => `${at(s)}: note: then, in ${s.function}(): ${s.label}`),
    ...(f.fix ? [`${at(f)}: note: fix: ${f.fix}`] : []),
  ];
}

const LEVELS = { info: 0, warning: 1, error: 2 } as const;

/** `fsdax-audit-check [our options] [CHECKFLAGS] [c_flags] file.c`; args without node and script. Returns the exit code. */
export async function checkMain(args: readonly string[], io: CliIo, cwd = process.cwd()): Promise<number> {
  applyCliV8Flags();
  let parsed: CheckArgs;
  try {
    parsed = parseCheckArgs(args);
  } catch (e) {
    io.stderr.write(`${CHECK_NAME}: ${(e as Error).message}\n`);
    return 2;
  }
  const { files, options } = parsed;
  if (files.length === 0) {
    io.stderr.write(`${CHECK_NAME}: no C file to check (kbuild runs $(CHECK) $(CHECKFLAGS) $(c_flags) file.c)\n`);
    return 2;
  }
  const file = path.resolve(cwd, files[files.length - 1]);
  let text: string;
  try { text = fs.readFileSync(file, 'latin1'); } catch (e) {
    io.stderr.write(`${CHECK_NAME}: cannot read ${files[files.length - 1]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  // Most files of a build touch no page field: answered without reading the tree.
  if (!mayHaveFindings(text)) return 0;
  const root = findTreeRoot(file);
  if (!root) {
    io.stderr.write(`${CHECK_NAME}: ${files[files.length - 1]} is not inside a kernel tree (no mm/ and include/linux/ above it)\n`);
    return 2;
  }
  const opts: CliOptions = {
    root, format: 'text', failOn: options.failOn, era: options.era, jobs: 1, context: true, cache: options.cache,
    cacheDir: options.cacheDir, progress: false, quiet: true, debug: options.debug, showBenign: options.showBenign, minConfidence: options.minConfidence, arch: options.arch,
  };
  try {
    const report = await runAudit([file], opts, createProgress(io.stderr, false), (m) => { if (options.debug) io.stderr.write(`${m}\n`); });
    // As gcc names files: relative to where make runs, absolute when kbuild named the file so (O= builds).
    const absolute = path.isAbsolute(files[files.length - 1]);
    const display = (rel: string) => { const abs = path.isAbsolute(rel) ? rel : path.join(root, rel); return absolute ? abs : path.relative(cwd, abs); };
    const lines = report.findings.flatMap((f) => gccLines(f, display));
    for (const p of report.problems.filter((x) => x.kind === 'internal' || x.kind === 'model')) lines.push(`${display(p.file)}:${p.line + 1}: warning: ${p.message} [${TOOL_NAME}]`);
    // What the tags mean, once per file that has them (kbuild runs one process per file).
    for (const l of tagLegend(report.findings)) lines.push(`${display(report.findings[0].file)}: note: [${l.tag}]: ${l.meaning}`);
    if (lines.length > 0) io.stderr.write(`${lines.join('\n')}\n`);
    if (options.failOn === 'never') return 0;
    return report.findings.some((f) => LEVELS[f.severity] >= LEVELS[options.failOn as keyof typeof LEVELS]) ? 1 : 0;
  } catch (e) {
    io.stderr.write(`${CHECK_NAME}: ${e instanceof InputError ? '' : 'internal error: '}${(e as Error).message}\n`);
    if (options.debug) io.stderr.write(`${(e as Error).stack}\n`);
    return 2;
  }
}
