// cli front-end: compiler-style text, grouped by file, one blank line between
// files: `path:line:col: severity: headline [tags] [rule]`, then the path as `note:`
// lines (source first, one per call level) so editors and CI logs can jump to each
// step, then `fix:`. What the tags mean is said once, after the findings.
import type { FileProblem, Finding, FindingStep } from '../../analysis/audit-types';
import { pathSteps, tagLegend } from '../../analysis/finding-text';
import type { Report } from '../report';

export function formatText(report: Report, withSummary: boolean): string {
  const groups = new Map<string, string[]>();
  const add = (file: string, lines: string[]) => {
    const g = groups.get(file);
    if (g) g.push(...lines); else groups.set(file, [...lines]);
  };
  for (const f of report.findings) add(f.file, findingLines(f));
  for (const p of report.problems) add(p.file, [problemLine(p)]);
  const files = [...groups.keys()].sort();
  const blocks = files.map((file) => groups.get(file)!.join('\n'));
  // Indented, so problem matchers anchored at `path:line:col: severity:` do not take them for findings.
  if (report.diff && report.diff.removed.length > 0) {
    blocks.push([`fsdax-audit: removed by the change (lines as at ${report.diff.base}):`,
      ...report.diff.removed.map((f) => `  ${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: removed: ${f.severity}: ${f.message} [${f.ruleId}]`)].join('\n'));
  }
  if (withSummary) {
    const legend = tagLegend(report.findings);
    if (legend.length > 0) blocks.push(legend.map((l) => `fsdax-audit: [${l.tag}]: ${l.meaning}`).join('\n'));
    blocks.push(summary(report));
  }
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

const at = (s: Pick<FindingStep, 'file' | 'range'>) => `${s.file}:${s.range.start.line + 1}:${s.range.start.character + 1}`;

export function findingLines(f: Finding): string[] {
  const lines = [`${at(f)}: ${f.severity}: ${f.message} [${f.ruleId}]`];
  for (const s of pathSteps(f)) lines.push(`  ${at(s)}: note: ${s.label}`);
  // A hazard later on this path, reached through this very call (foldIntoCalls): `<rule>: <headline>`.
  for (const s of f.related ?? []) lines.push(`  ${at(s)}: note: then, in ${s.function}(): ${s.label}`);
  if (f.fix) lines.push(`  fix: ${f.fix}`);
  return lines;
}

function problemLine(p: FileProblem): string {
  return `${p.file || '<fsdax-audit>'}:${p.line + 1}: note: ${p.message} [${p.kind}]`;
}

function summary(report: Report): string {
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const { era, stats } = report;
  const baseline = report.baseline
    ? `; baseline ${report.baseline.file}: ${report.baseline.matched} accepted, ${report.baseline.unmatched} entries matched nothing`
    : '';
  const diff = report.diff
    ? `; against ${report.diff.base} (${report.diff.changedFiles.length} changed files): ${report.diff.added} new, ${report.diff.changed.length} with a changed path, ${report.diff.removed.length} removed`
    : '';
  return `fsdax-audit: era ${era.era} (${era.evidence}); ${report.scope.description}: ${plural(stats.files, 'file')} (${stats.parsedFiles} parsed), ${plural(stats.functions, 'function')}; ` +
    `${plural(report.findings.length, 'finding')} (${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info)${diff}${baseline}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
