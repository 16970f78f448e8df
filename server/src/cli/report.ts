// cli front-end: what every output format is made from: the audit result after
// the baseline, plus the problems the CLI itself met (unreadable files).
import type { FileProblem, Finding, AuditResult } from '../analysis/audit-types';
import type { EraDetection } from '../model/era';
import type { SnippetSource } from './format/snippets';
import type { DiffSummary } from './diff';

export interface BaselineSummary {
  file: string;
  /** Findings hidden because the baseline lists them. */
  matched: number;
  /** Baseline entries that matched nothing: fixed, or moved to another function. */
  unmatched: number;
}

export interface Report {
  /** Absolute tree root; file paths in findings are relative to it. */
  root: string;
  era: EraDetection;
  findings: Finding[];
  /** Problems worth showing: syntax errors are left out (the kernel's macros make many). */
  problems: FileProblem[];
  stats: AuditResult['stats'];
  baseline?: BaselineSummary;
  /** What was analysed and what is reported (context mode or files only). */
  scope: { mode: 'context' | 'files'; reported: string[] | null; contextDirs: string[] | null; description: string };
  /** --diff: the base and what the change removes (the findings above are what it adds). */
  diff?: DiffSummary;
  /** Source text for SARIF snippets; absent when the formats need none. */
  snippets?: SnippetSource;
}

export function compareProblems(a: FileProblem, b: FileProblem): number {
  return cmp(a.file, b.file) || a.line - b.line || cmp(a.kind, b.kind) || cmp(a.message, b.message);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
