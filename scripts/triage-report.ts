// npm run triage [-- --version 6.12|6.1|mainline] [--whole] [--check]
// Scans mm/ and fs/ of a cached kernel tree (with benign uses shown) and matches
// every finding against the verdicts in docs/triage/linux-<version>.json; writes
// docs/triage/linux-<version>.md. --whole scans the whole tree as `fsdax-audit --root T T`
// does, and judges what it adds against docs/triage/linux-<version>-whole.json (the
// mm/+fs/ verdicts count too); writes linux-<version>-whole.md. --check writes nothing and
// exits 1 when a finding shown by default has no verdict (what test/unit/triage.test.ts asks).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../server/src/analysis/audit-types';
import { auditFiles } from '../server/src/analysis/audit';
import { collectSourceFiles, detectFsdaxArchitectures, detectTreeEra } from '../server/src/host/tree-files';
import { requireKernelTree } from './kernel-tree';
import { findingLine, matchTriage, TriageFile, triageMarkdown } from './triage-lib';
import { allRules } from '../server/rules/index';

const REPO = path.join(__dirname, '..', '..');

export function triagePath(version: string, ext: 'json' | 'md', whole = false): string {
  return path.join(REPO, 'docs', 'triage', `linux-${version}${whole ? '-whole' : ''}.${ext}`);
}

/** The scan the triage judges: the CLI's default whole mm/+fs/ audit, with benign uses shown. */
export function scanForTriage(root: string) {
  const { files } = collectSourceFiles(['mm', 'fs'].map((d) => path.join(root, d)), root);
  return auditFiles(files, { era: detectTreeEra(root, 'auto'), fsdaxArchitectures: detectFsdaxArchitectures(root), showBenign: true, rules: allRules });
}

/**
 * The whole-tree scan as users run it (`fsdax-audit --root T T`, in a child process: the
 * CLI reads a tree this size with its reader threads and bounded memory), as Findings.
 */
export function scanWholeForTriage(root: string): Finding[] {
  const cli = path.join(REPO, 'bin', 'fsdax-audit.js');
  const r = spawnSync(process.execPath, [cli, '--root', root, '--show-benign', '--format', 'json', '--fail-on', 'never', '--no-cache', '--no-progress', root],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`fsdax-audit --root ${root} ${root} exited ${r.status}: ${r.stderr.slice(0, 400)}`);
  // The JSON report counts lines and columns from 1; a Finding from 0.
  type JsonRange = { start: { line: number; column: number }; end: { line: number; column: number } };
  const range = (x: JsonRange) => ({ start: { line: x.start.line - 1, character: x.start.column - 1 }, end: { line: x.end.line - 1, character: x.end.column - 1 } });
  type JsonStep = Omit<Finding['path'][number], 'range'> & { range: JsonRange };
  type JsonFinding = Omit<Finding, 'range' | 'path' | 'related'> & { range: JsonRange; path: JsonStep[]; related?: JsonStep[] };
  return (JSON.parse(r.stdout).findings as JsonFinding[]).map(({ related, ...f }): Finding => ({
    ...f, range: range(f.range), path: f.path.map((st) => ({ ...st, range: range(st.range) })),
    ...(related ? { related: related.map((st) => ({ ...st, range: range(st.range) })) } : {}),
  }));
}

/** The verdicts a scope is judged by: the mm/+fs/ file, and for the whole tree its own file too. */
export function triageFileFor(version: string, whole: boolean): { file: TriageFile; own: TriageFile } {
  const base: TriageFile = JSON.parse(fs.readFileSync(triagePath(version, 'json'), 'utf8'));
  if (!whole) return { file: base, own: base };
  const own: TriageFile = JSON.parse(fs.readFileSync(triagePath(version, 'json', true), 'utf8'));
  return { file: { ...own, entries: [...base.entries, ...own.entries] }, own };
}

function main(): number {
  const i = process.argv.indexOf('--version');
  const version = i > 0 ? process.argv[i + 1] : '6.12';
  const check = process.argv.includes('--check');
  const whole = process.argv.includes('--whole');
  const root = requireKernelTree(version);
  const { file, own } = triageFileFor(version, whole);
  const matched = matchTriage(whole ? scanWholeForTriage(root) : scanForTriage(root).findings, file);
  // A whole-tree run answers for its own verdicts; the mm/+fs/ ones are checked by the mm/+fs/ run.
  const result = { ...matched, stale: matched.stale.filter((e) => own.entries.includes(e)) };
  const c = result.counts;
  console.log(`linux-${version}${whole ? ' (whole tree)' : ''}: ${c.shown} shown (${c.shownTrue} true, ${c.shownFalse} false, ${result.unjudged.length} unjudged; true: ${c.high} high, ${c.race} race, ${c.debugOnly} debug-only); ${c.hidden} hidden as benign (${c.hiddenTrue} judged true); ${result.stale.length} verdicts with no finding`);
  for (const f of result.unjudged) console.log(`  unjudged: ${f.file}:${findingLine(f)} ${f.fingerprint}`);
  if (!check) {
    fs.writeFileSync(triagePath(version, 'md', whole), triageMarkdown(whole ? `${version}-whole` : version, own, result, whole));
    console.log(`wrote ${path.relative(REPO, triagePath(version, 'md', whole))}`);
  }
  return check && result.unjudged.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
