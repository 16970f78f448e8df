// cli front-end: the rule catalogue as reports describe it: every rule of the
// registry plus fsdax/suppression, which the core reports but which is not a
// Rule module (it comes from suppression comments, not from sites).
import { allRules } from '../../../rules/index';
import type { RuleMeta } from '../../analysis/rule-api';
import { SUPPRESSION_RULE_ID } from '../../analysis/suppressions';

export type RuleInfo = Omit<RuleMeta, 'messages'> & { messages: Record<string, string> };

// NOTE: mirrors the findings made in analysis/suppressions.ts (severity warning,
// scenario 'suppressions'); it can go when the core exports a RuleMeta for it.
const SUPPRESSION_RULE: RuleInfo = {
  id: SUPPRESSION_RULE_ID,
  severity: 'warning',
  description: 'fsdax-audit suppression comment without a reason, or one that silences nothing',
  explanation: 'suppressions',
  messages: {
    noReason: 'suppression of {{rules}} has no reason; write "-- <why this is safe>"',
    unused: 'suppression of {{rules}} matches no finding on this line or the next; remove it',
  },
};

/** Sorted by id, so rule indexes in SARIF are stable. */
export function ruleCatalogue(): RuleInfo[] {
  return [...allRules.map((r) => r.meta), SUPPRESSION_RULE].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `fsdax/index-read` -> `IndexRead`: SARIF wants an identifier-like, human-readable name. */
export function ruleName(id: string): string {
  return id.replace(/^.*\//, '').split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
