// lsp front-end: the only place a core Finding becomes an LSP Diagnostic.
// Severity comes from the finding (the core already applied the per-rule
// settings); the link and related information follow the style guide.
import { Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity } from 'vscode-languageserver';
import type { Finding } from '../analysis/audit-types';
import type { Severity } from '../analysis/rule-api';
import { explanationUrl } from '../protocol';
import { pathFunctions, pathSteps } from '../analysis/finding-text';

export const DIAGNOSTIC_SOURCE = 'fsdax-audit';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export interface ConvertOptions {
  /** Tree-relative path -> document URI. */
  toUri(file: string): string;
  /** The client shows relatedInformation (else the path goes into the message). */
  hasRelatedInformation: boolean;
}

/** What the client hands back in code action and hover contexts to find the finding again. */
export interface DiagnosticData { scenario: string; era: string; fingerprint: string }

export function findingToDiagnostic(f: Finding, opts: ConvertOptions): Diagnostic {
  // The path one step per call level (the site is the diagnostic itself), then hazards folded into it.
  const steps = pathSteps(f);
  const related: DiagnosticRelatedInformation[] = [
    ...steps.map((step) => ({ location: { uri: opts.toUri(step.file), range: step.range }, message: step.label })),
    ...(f.related ?? []).map((step) => ({ location: { uri: opts.toUri(step.file), range: step.range }, message: `then: ${step.label}` })),
  ];
  const pathText = steps.length > 0 && !opts.hasRelatedInformation
    ? `\npath: ${pathFunctions(f).map((n) => `${n}()`).join(' → ')}`
    : '';
  const data: DiagnosticData = { scenario: f.explanation, era: f.era, fingerprint: f.fingerprint };
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    source: DIAGNOSTIC_SOURCE,
    code: f.ruleId,
    codeDescription: { href: explanationUrl(f.explanation, f.era) },
    message: f.message + pathText,
    relatedInformation: opts.hasRelatedInformation && related.length > 0 ? related : undefined,
    data,
  };
}
