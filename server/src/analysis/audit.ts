// analysis layer: the core entry point both front-ends call. Takes file
// contents (never paths to read), the era, the model and the rule set
// (options.rules); returns sorted, deterministic findings and per-file problems
// (types in audit-types.ts, the rule runner in findings.ts). No IO, no clock.
import { collectSyntaxErrors, ParsedFile } from '../parse/parser';
import type { FsdaxModel } from '../model/types';
import type { AuditOptions, AuditResult, SourceFile } from './audit-types';
import { AuditSession } from './session';

export function auditFiles(files: readonly SourceFile[], options: AuditOptions): AuditResult {
  const session = new AuditSession(options);
  for (const f of files) session.setFile(f.path, f.content);
  return session.audit(options.isCancelled);
}

/** Audits files the caller has parsed already (tests, one-off editor audits). */
export function auditParsed(files: readonly ParsedFile[], options: AuditOptions, model?: FsdaxModel): AuditResult {
  const session = new AuditSession(options, model);
  for (const p of files) session.setFile(p.path, p.view.text, p);
  return session.audit(options.isCancelled);
}

export { collectSyntaxErrors, AuditSession };
