// The rule registry: every other .ts file in this folder is one rule whose
// default export is a Rule. Adding a rule is adding a file here (and a fixture);
// `npm run build` regenerates registry.generated.ts, the static list bundlers need.
import { Rule, RuleMeta, SUPPRESSION_RULE_META } from '../src/analysis/rule-api';
import { ruleModules } from './registry.generated';

function loadRules(): Rule[] {
  return ruleModules.map(([file, rule]) => {
    if (!rule?.meta?.id || typeof rule.check !== 'function') throw new Error(`server/rules/${file}.ts does not default-export a rule`);
    if (rule.meta.id !== `fsdax/${file}`) throw new Error(`server/rules/${file}.ts exports ${rule.meta.id}; the file name must be the id's tail`);
    return rule;
  });
}

export const allRules: readonly Rule[] = loadRules();

/** Every rule's meta plus fsdax/suppression (reported by the core, not by a rule module), sorted by id. */
export function ruleMetas(): RuleMeta[] {
  return [...allRules.map((r) => r.meta), SUPPRESSION_RULE_META].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** What to do instead of what a rule reports (markdown); undefined for an unknown rule id. */
export function ruleAdvice(ruleId: string): string | undefined {
  return ruleMetas().find((m) => m.id === ruleId)?.advice;
}
