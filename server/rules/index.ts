// The rule registry: every other .ts file in this folder is one rule whose
// default export is a Rule. Adding a rule is adding a file here (and a fixture).
import * as fs from 'fs';
import * as path from 'path';
import type { Rule } from '../src/analysis/rule-api';

function loadRules(): Rule[] {
  const rules: Rule[] = [];
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (!/\.js$/.test(file) || file === 'index.js') continue;
    const mod = require(path.join(__dirname, file)) as { default?: Rule };
    const rule = mod.default;
    if (!rule?.meta?.id || typeof rule.check !== 'function') throw new Error(`server/rules/${file} does not default-export a rule`);
    if (rule.meta.id !== `fsdax/${file.replace(/\.js$/, '')}`) throw new Error(`server/rules/${file} exports ${rule.meta.id}; the file name must be the id's tail`);
    rules.push(rule);
  }
  return rules;
}

export const allRules: readonly Rule[] = loadRules();
