// cli front-end: compiler-style text, grouped by file, one blank line between
// files: `path:line:col: severity: message [rule]`, then the path trace as
// `note:` lines (source first) so editors and CI logs can jump to each step.
import type { FileProblem, Finding } from '../../analysis/audit-types';
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
  if (withSummary) blocks.push(summary(report));
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

function findingLines(f: Finding): string[] {
  const lines = [`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${f.message} [${f.ruleId}]`];
  for (const s of f.path.slice(0, -1)) {
    lines.push(`  ${s.file}:${s.range.start.line + 1}:${s.range.start.character + 1}: note: in ${s.function}(): ${s.label}`);
  }
  for (const s of f.related ?? []) {
    lines.push(`  ${s.file}:${s.range.start.line + 1}:${s.range.start.character + 1}: note: then, in ${s.function}(): ${s.label}`);
  }
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
  return `fsdax-audit: era ${era.era} (${era.evidence}); ${report.scope.description}: ${stats.files} files (${stats.parsedFiles} parsed), ${stats.functions} functions; ` +
    `${report.findings.length} findings (${count('error')} errors, ${count('warning')} warnings, ${count('info')} info)${diff}${baseline}`;
}
