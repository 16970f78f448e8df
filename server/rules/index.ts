// The rule registry: every other .ts file in this folder is one rule whose
// default export is a Rule. Adding a rule is adding a file here (and a fixture);
// `npm run build` regenerates registry.generated.ts, the static list bundlers need.
import type { Rule } from '../src/analysis/rule-api';
import { ruleModules } from './registry.generated';

function loadRules(): Rule[] {
  return ruleModules.map(([file, rule]) => {
    if (!rule?.meta?.id || typeof rule.check !== 'function') throw new Error(`server/rules/${file}.ts does not default-export a rule`);
    if (rule.meta.id !== `fsdax/${file}`) throw new Error(`server/rules/${file}.ts exports ${rule.meta.id}; the file name must be the id's tail`);
    return rule;
  });
}

export const allRules: readonly Rule[] = loadRules();
