// cli front-end: baselines. A baseline lists accepted findings by fingerprint
// (rule, file, function, normalised expression: made by the core), so it
// survives line shifts; format in docs/baseline.md.
import * as fs from 'fs';
import type { Finding } from '../analysis/audit-types';
import { TOOL_NAME } from './project';
import { UsageError } from './usage-error';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  function: string;
  /** For the reader only; matching uses the fingerprint. */
  message: string;
}

export interface BaselineFile {
  tool: string;
  version: number;
  findings: BaselineEntry[];
}

export function readBaseline(file: string): BaselineEntry[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new UsageError(`cannot read baseline: ${file}`); }
  let doc: Partial<BaselineFile>;
  try { doc = JSON.parse(text); } catch (e) { throw new UsageError(`baseline ${file} is not valid JSON: ${(e as Error).message}`); }
  if (doc?.version !== BASELINE_VERSION || !Array.isArray(doc.findings) || !doc.findings.every((e) => typeof e?.fingerprint === 'string')) {
    throw new UsageError(`baseline ${file} is not an fsdax-audit baseline version ${BASELINE_VERSION}`);
  }
  return doc.findings;
}

/** Sorted, one entry per finding (repeats kept: they count). */
export function formatBaseline(findings: readonly Finding[]): string {
  const entries: BaselineEntry[] = findings
    .map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, file: f.file, function: f.function, message: f.message }))
    .sort((a, b) => cmp(a.fingerprint, b.fingerprint) || cmp(a.message, b.message));
  const doc: BaselineFile = { tool: TOOL_NAME, version: BASELINE_VERSION, findings: entries };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Drops findings the baseline accepts. Each entry accepts one finding, so a
 * second copy of an accepted read in the same function is still new.
 */
export function applyBaseline(findings: readonly Finding[], entries: readonly BaselineEntry[]): { kept: Finding[]; matched: number; unmatched: number } {
  const budget = new Map<string, number>();
  for (const e of entries) budget.set(e.fingerprint, (budget.get(e.fingerprint) ?? 0) + 1);
  let matched = 0;
  const kept = findings.filter((f) => {
    const left = budget.get(f.fingerprint) ?? 0;
    if (left === 0) return true;
    budget.set(f.fingerprint, left - 1);
    matched++;
    return false;
  });
  return { kept, matched, unmatched: entries.length - matched };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
