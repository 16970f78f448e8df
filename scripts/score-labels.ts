// npm run score [-- --version 6.12]
// Audits mm/ and fs/ of a cached kernel tree and scores the findings against our
// hand-labeled sites (test/labels/linux-<version>.json): precision over the
// findings in labeled files, recall over the sites labeled unsafe. A finding
// matches a label on the same file and line. Prints findings per kLOC for mm/+fs/.
// The labels say whether an FS-DAX page without a guarantee reaches a site, whatever
// the read is used for, so the score counts benign uses too (--show-benign); what a
// maintainer is shown by default is judged in docs/triage/ (npm run triage).
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles } from '../server/src/analysis/audit';
import { collectSourceFiles, detectTreeEra } from '../server/src/host/tree-files';
import { requireKernelTree } from './kernel-tree';
import { parseSource } from '../server/src/parse/parser';
import { TypeIndex } from '../server/src/analysis/types';
import { pageFieldAccesses } from '../server/src/analysis/field-access';
import { BENIGN_USES } from '../server/src/analysis/sites';
import { foldedRuleId } from '../server/src/analysis/findings';
import { allRules } from '../server/rules/index';

interface Label { file: string; line: number; function: string; kind: string; expr: string; verdict: 'safe' | 'unsafe' | 'unclear'; indirect?: boolean }

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const version = arg('version', '6.12');
const root = requireKernelTree(version);
// linux-<version>.json and any linux-<version>-<more>.json (labels added later, by another labeler).
const labelDir = path.join(__dirname, '..', '..', 'test', 'labels');
const labelFiles = fs.readdirSync(labelDir).filter((f) => f === `linux-${version}.json` || f.startsWith(`linux-${version}-`)).sort();
const labels: Label[] = labelFiles.flatMap((f) => JSON.parse(fs.readFileSync(path.join(labelDir, f), 'utf8')).sites as Label[]);
const conflicts = new Set(labels.filter((l) => labels.some((m) => m.file === l.file && m.line === l.line && m.verdict !== l.verdict && m.verdict !== 'unclear' && l.verdict !== 'unclear')).map((l) => `${l.file}:${l.line}`));
const { files } = collectSourceFiles(['mm', 'fs'].map((d) => path.join(root, d)), root);
const result = auditFiles(files, { era: detectTreeEra(root, 'auto'), showBenign: true, rules: allRules });
const shownByDefault = result.findings.filter((f) => !f.use || !BENIGN_USES.has(f.use)).length;
const labeledFiles = new Set(labels.map((l) => l.file));
const at = (file: string, line: number) => labels.filter((l) => l.file === file && l.line === line);
let tp = 0, fp = 0, unlabeled = 0;
const fpRows: string[] = [];
const unlabeledRows: string[] = [];
const foundLines = new Set<string>();
// A hazard folded into an earlier one on its path (Finding.related) is reported, as that finding's note.
const reported = result.findings.flatMap((f) => [
  { file: f.file, function: f.function, ruleId: f.ruleId, expr: f.expr, range: f.range },
  ...(f.related ?? []).map((r) => ({ file: r.file, function: r.function, ruleId: foldedRuleId(r), expr: r.label, range: r.range })),
]);
for (const f of reported) {
  if (!labeledFiles.has(f.file)) continue;
  const line = f.range.start.line + 1;
  const here = at(f.file, line);
  const row = `${f.file}:${line} ${f.function} ${f.ruleId} ${f.expr}`;
  if (here.some((l) => l.verdict === 'unsafe')) { tp++; foundLines.add(`${f.file}:${line}`); }
  else if (here.length > 0) { fp++; fpRows.push(`${row}  (labeled safe: ${here[0].expr})`); }
  else { unlabeled++; unlabeledRows.push(row); }
}
const unsafe = labels.filter((l) => l.verdict === 'unsafe');
const missed = unsafe.filter((l) => !foundLines.has(`${l.file}:${l.line}`));
const lines = files.reduce((n, f) => n + (typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('latin1')).split('\n').length, 0);
console.log(`linux-${version} (era ${result.era.era}): ${result.findings.length} findings in mm/+fs/ (${files.length} files, ${(lines / 1000).toFixed(0)} kLOC): ${(result.findings.length / (lines / 1000)).toFixed(3)} findings/kLOC`);
console.log(`  (${shownByDefault} shown by default; the rest are benign uses, reported with --show-benign)`);
console.log(`labels: ${labels.length} sites (${unsafe.length} unsafe) in ${labeledFiles.size} files, from ${labelFiles.join(', ')}`);
if (conflicts.size > 0) console.log(`labels that disagree on a line (counted unsafe): ${[...conflicts].sort().join(', ')}`);
console.log(`in labeled files: ${tp} true positives, ${fp} false positives (labeled safe), ${unlabeled} on unlabeled lines`);
console.log(`precision (labeled lines): ${(tp / Math.max(1, tp + fp) * 100).toFixed(1)}%; counting unlabeled as false: ${(tp / Math.max(1, tp + fp + unlabeled) * 100).toFixed(1)}%`);
console.log(`recall: ${unsafe.length - missed.length}/${unsafe.length} unsafe sites = ${((unsafe.length - missed.length) / Math.max(1, unsafe.length) * 100).toFixed(1)}%`);
for (const r of fpRows) console.log(`  FP       ${r}`);
for (const r of unlabeledRows) console.log(`  UNLABELED ${r}`);
for (const l of missed) console.log(`  MISSED   ${l.file}:${l.line} ${l.function} ${l.kind} ${l.expr}${l.indirect ? ' (indirect)' : ''}`);

// What a pattern match would flag: every type-confirmed page/folio mapping/index/share read.
if (process.argv.includes('--pattern-baseline')) {
  const headers = ['include/linux/mm_types.h', 'include/linux/mm.h'].map((h) => parseSource(h, fs.readFileSync(path.join(root, h))));
  const parsed = files.map((f) => parseSource(f.path, f.content));
  const types = new TypeIndex([...headers, ...parsed]);
  let reads = 0;
  for (const p of parsed) reads += pageFieldAccesses(p, types).filter((a) => !a.isWrite).length;
  console.log(`pattern baseline: ${reads} type-confirmed page/folio mapping/index/share reads in mm/+fs/; the audit reports ${result.findings.length} findings`);
}
