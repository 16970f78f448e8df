// cli front-end: the JSON report, version JSON_FORMAT_VERSION, documented in
// docs/json-format.md and described by docs/json-format.schema.json. Fields are
// copied one by one so a change to the core's Finding never changes the format silently.
import type { Finding, FindingStep, Range } from '../../analysis/audit-types';
import { explanationUrl, TOOL_NAME, toolVersion } from '../project';
import type { Report } from '../report';

export const JSON_FORMAT_VERSION = 1;

export function formatJson(report: Report): string {
  const doc = {
    format: 'fsdax-audit-report',
    version: JSON_FORMAT_VERSION,
    tool: { name: TOOL_NAME, version: toolVersion() },
    era: { era: report.era.era, known: report.era.known, evidence: report.era.evidence },
    stats: { ...report.stats, findings: report.findings.length },
    baseline: report.baseline ?? null,
    scope: { mode: report.scope.mode, reported: report.scope.reported, contextDirs: report.scope.contextDirs },
    ...(report.diff ? {
      diff: {
        base: report.diff.base, commit: report.diff.commit, changedFiles: report.diff.changedFiles,
        added: report.diff.added, changed: report.diff.changed.map((f) => f.fingerprint), removed: report.diff.removed.map(toJson),
      },
    } : {}),
    findings: report.findings.map(toJson),
    problems: report.problems.map((p) => ({ file: p.file, line: p.line + 1, kind: p.kind, message: p.message })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function toJson(f: Finding) {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    fix: f.fix ?? null,
    detail: f.detail ?? null,
    race: f.race ?? null,
    file: f.file,
    range: range(f.range),
    function: f.function,
    expr: f.expr,
    scenario: f.explanation,
    helpUri: explanationUrl(f.explanation, f.era),
    fingerprint: f.fingerprint,
    use: f.use ?? null,
    confidence: f.confidence ?? null,
    debugOnly: !!f.debugOnly,
    path: f.path.map(step),
    related: (f.related ?? []).map(step),
  };
}

function step(s: FindingStep) {
  return { file: s.file, function: s.function, range: range(s.range), label: s.label };
}

/** 1-based lines and columns, end exclusive, as in the text output and SARIF. */
function range(r: Range) {
  return { start: { line: r.start.line + 1, column: r.start.character + 1 }, end: { line: r.end.line + 1, column: r.end.character + 1 } };
}
