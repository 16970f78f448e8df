// analysis layer: suppression comments. `/* fsdax-audit: ignore <rule>[, <rule>] -- <reason> */`
// on the finding's line or the line above silences it. A suppression without a
// reason, or one that silences nothing, becomes a finding of its own
// (fsdax/suppression) so stale ignores do not pile up.
import type { ParsedFile } from '../parse/parser';
import type { Era } from '../model/types';
import type { Finding } from './audit-types';
import { SUPPRESSION_RULE_ID, SUPPRESSION_RULE_META } from './rule-api';
import { fillTemplate } from './finding-text';

const SUPPRESSION_RE = /fsdax-audit:\s*ignore\s+([\w/,\s-]+?)(?:\s+--\s*(.*?))?\s*(?:\*\/|$)/;

interface Suppression { file: string; line: number; rules: string[]; reason: string; start: number; end: number; used: boolean }

/** The suppression comments of a text, found once per SourceView (views are immutable: one per version of a file). */
const foundIn = new WeakMap<object, Array<Omit<Suppression, 'file' | 'used'>>>();

function suppressionsOf(view: Pick<ParsedFile, 'view'>['view']): Array<Omit<Suppression, 'file' | 'used'>> {
  let list = foundIn.get(view);
  if (list) return list;
  list = [];
  if (view.text.includes('fsdax-audit:')) {
    for (let line = 0; line < view.lineStarts.length; line++) {
      const m = SUPPRESSION_RE.exec(view.lineText(line));
      if (!m) continue;
      const rules = m[1].split(/[\s,]+/).filter(Boolean);
      list.push({ line, rules, reason: realReason(m[2]), start: m.index, end: m.index + m[0].length });
    }
  }
  foundIn.set(view, list);
  return list;
}

export function applySuppressions(findings: Finding[], files: ReadonlyArray<Pick<ParsedFile, 'path' | 'view'>>, era: Era): Finding[] {
  const byFile = new Map<string, Suppression[]>();
  for (const f of files) {
    const found = suppressionsOf(f.view);
    if (found.length > 0) byFile.set(f.path, found.map((s) => ({ ...s, file: f.path, used: false })));
  }
  const kept = findings.filter((finding) => {
    const s = byFile.get(finding.file)?.find((x) => (x.line === finding.range.start.line || x.line === finding.range.start.line - 1) && x.rules.includes(finding.ruleId) && x.reason);
    if (!s) return true;
    s.used = true;
    return false;
  });
  for (const list of byFile.values()) {
    for (const s of list) {
      if (s.reason && s.used) continue;
      const range = { start: { line: s.line, character: s.start }, end: { line: s.line, character: s.end } };
      const messageId = s.reason ? 'unused' : 'noReason';
      const data = { rules: s.rules.join(', ') };
      const message = fillTemplate(SUPPRESSION_RULE_META.headlines![messageId], data);
      kept.push({
        ruleId: SUPPRESSION_RULE_ID, messageId, severity: SUPPRESSION_RULE_META.severity, message,
        detail: fillTemplate(SUPPRESSION_RULE_META.messages[messageId], data), fix: fillTemplate(SUPPRESSION_RULE_META.fixes![messageId], data),
        file: s.file, range, function: '', expr: '', era, explanation: SUPPRESSION_RULE_META.explanation, path: [],
        fingerprint: `${SUPPRESSION_RULE_ID}|${s.file}|${s.rules.join(',')}`,
      });
    }
  }
  return kept;
}

/** The reason as written; '' when absent or still the code action's `<reason>` placeholder. */
function realReason(text: string | undefined): string {
  const reason = (text ?? '').trim();
  return /^<[^>]*>$/.test(reason) ? '' : reason;
}
