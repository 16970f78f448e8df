// cli front-end: the rule catalogue as reports describe it: the core's rule
// metas (every rule of the registry plus fsdax/suppression) and SARIF names.
import { ruleMetas } from '../../../rules/index';
import type { RuleMeta } from '../../analysis/rule-api';

export type RuleInfo = RuleMeta;

/** Sorted by id, so rule indexes in SARIF are stable. */
export function ruleCatalogue(): RuleInfo[] {
  return ruleMetas();
}

/** `fsdax/index-read` -> `IndexRead`: SARIF wants an identifier-like, human-readable name. */
export function ruleName(id: string): string {
  return id.replace(/^.*\//, '').split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
