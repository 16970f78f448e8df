// npm run triage [-- --version 6.12] [--check]
// Scans mm/ and fs/ of a cached kernel tree (with benign uses shown) and matches
// every finding against the verdicts in docs/triage/linux-<version>.json; writes
// docs/triage/linux-<version>.md. --check writes nothing and exits 1 when a finding
// shown by default has no verdict (what CI and test/unit/triage.test.ts ask).
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles } from '../server/src/analysis/audit';
import { collectSourceFiles, detectFsdaxArchitectures, detectTreeEra } from '../server/src/host/tree-files';
import { requireKernelTree } from './kernel-tree';
import { findingLine, matchTriage, TriageFile, triageMarkdown } from './triage-lib';
import { allRules } from '../server/rules/index';

const REPO = path.join(__dirname, '..', '..');

export function triagePath(version: string, ext: 'json' | 'md'): string {
  return path.join(REPO, 'docs', 'triage', `linux-${version}.${ext}`);
}

/** The scan the triage judges: the CLI's default whole mm/+fs/ audit, with benign uses shown. */
export function scanForTriage(root: string) {
  const { files } = collectSourceFiles(['mm', 'fs'].map((d) => path.join(root, d)), root);
  return auditFiles(files, { era: detectTreeEra(root, 'auto'), fsdaxArchitectures: detectFsdaxArchitectures(root), showBenign: true, rules: allRules });
}

function main(): number {
  const i = process.argv.indexOf('--version');
  const version = i > 0 ? process.argv[i + 1] : '6.12';
  const check = process.argv.includes('--check');
  const root = requireKernelTree(version);
  const file: TriageFile = JSON.parse(fs.readFileSync(triagePath(version, 'json'), 'utf8'));
  const result = matchTriage(scanForTriage(root).findings, file);
  const c = result.counts;
  console.log(`linux-${version}: ${c.shown} shown (${c.shownTrue} true, ${c.shownFalse} false, ${result.unjudged.length} unjudged; true: ${c.high} high, ${c.race} race, ${c.debugOnly} debug-only); ${c.hidden} hidden as benign (${c.hiddenTrue} judged true); ${result.stale.length} verdicts with no finding`);
  for (const f of result.unjudged) console.log(`  unjudged: ${f.file}:${findingLine(f)} ${f.fingerprint}`);
  if (!check) {
    fs.writeFileSync(triagePath(version, 'md'), triageMarkdown(version, file, result));
    console.log(`wrote ${path.relative(REPO, triagePath(version, 'md'))}`);
  }
  return check && result.unjudged.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
