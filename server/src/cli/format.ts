// cli front-end: report formats. Text is compiler-style, grouped by file;
// JSON follows docs/json-schema.md (versioned).
import type { AuditResult } from '../analysis/audit';

export const JSON_FORMAT_VERSION = 1;

export function formatText(result: AuditResult, withSummary: boolean): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    lines.push(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${f.message} [${f.ruleId}]`);
    if (f.path.length > 1) {
      for (const s of f.path.slice(0, -1)) lines.push(`    ${s.file}:${s.range.start.line + 1}: ${s.function}: ${s.label}`);
    }
  }
  for (const p of result.problems) {
    if (p.kind === 'syntax') continue;
    lines.push(`${p.file}:${p.line + 1}: note: ${p.message} [${p.kind}]`);
  }
  if (withSummary) {
    const bySeverity = (s: string) => result.findings.filter((f) => f.severity === s).length;
    lines.push(`fsdax-audit: era ${result.era.era} (${result.era.evidence}); ${result.stats.files} files (${result.stats.parsedFiles} parsed), ${result.stats.functions} functions; ` +
      `${result.findings.length} findings (${bySeverity('error')} errors, ${bySeverity('warning')} warnings, ${bySeverity('info')} info)`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function formatJson(result: AuditResult): string {
  const doc = {
    version: JSON_FORMAT_VERSION,
    era: result.era,
    stats: result.stats,
    findings: result.findings,
    problems: result.problems.filter((p) => p.kind !== 'syntax'),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
