// Derived facts against the model's name-keyed ones (issue 23): where a function's body is in a
// cached tree, what the analysis computes from it (return-summary.ts) must agree with the model's
// entry for that function. An entry marked `derivedIn` must be derived (else the body stopped
// showing it, or the derivation broke); an entry not so marked must not be derivable (else it is
// one a body proves, and the model should say so). Needs the cached trees (npm run fetch-kernel,
// npm run fetch-mainline); CI fetches them.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AuditSession } from '../../server/src/analysis/session';
import type { DerivedFact } from '../../server/src/analysis/program';
import { collectSourceFiles, detectFsdaxArchitectures, detectTreeEra } from '../../server/src/host/tree-files';
import { defaultModel, factHolds } from '../../server/src/model/model';
import { kernelCacheDir } from '../../scripts/kernel-tree';
import { allRules } from '../../server/rules/index';
import { requirePrerequisite } from '../prerequisites';

const fetchCommand = (version: string) => (version === 'mainline' ? 'npm run fetch-mainline' : `npm run fetch-kernel -- ${version}`);

function derivedIn(root: string): { era: ReturnType<typeof detectTreeEra>['era']; facts: DerivedFact[] } {
  const era = detectTreeEra(root, 'auto');
  const session = new AuditSession({ era, fsdaxArchitectures: detectFsdaxArchitectures(root), rules: allRules });
  const { files } = collectSourceFiles(['mm', 'fs'].map((d) => path.join(root, d)), root);
  for (const f of files) session.setFile(f.path, f.content);
  session.audit();
  return { era: era.era, facts: session.derivedFacts() };
}

describe('derived facts agree with the model', () => {
  for (const version of ['6.12', '6.1', 'mainline']) {
    it(`linux-${version}: name-keyed return facts and flag requirements vs what the bodies show`, function () {
      this.timeout(300_000);
      const root = path.join(kernelCacheDir(), `linux-${version}`);
      requirePrerequisite(this, fs.existsSync(path.join(root, '.complete')) ? undefined : `linux-${version} not cached at ${root}`, fetchCommand(version));
      const { era, facts } = derivedIn(root);
      const model = defaultModel();
      const byName = (name: string) => facts.filter((f) => f.function === name);
      const problems: string[] = [];
      // Only functions the analysis read in this tree can be judged (it reads what a maybe-FS-DAX value reaches).
      let judged = 0;
      for (const rf of model.returnFacts.calls) {
        if (!rf.forFsdax || rf.arg === undefined || !factHolds(rf, era, 'x86')) continue;
        const derived = byName(rf.call);
        if (derived.length === 0) continue;
        judged++;
        const shows = derived.every((d) => d.nullForFsdax?.includes(rf.arg!));
        const marked = !!rf.derivedIn && factHolds(rf.derivedIn, era, 'x86');
        if (marked && !shows) problems.push(`${rf.call}: marked derived (returns NULL for an FS-DAX arg ${rf.arg}) but the body in ${version} does not show it`);
        if (!marked && shows) problems.push(`${rf.call}: the body in ${version} shows the fact; mark it derivedIn`);
      }
      for (const req of model.flagRequirements ?? []) {
        if (!factHolds(req, era, 'x86')) continue;
        if (byName(req.call).length === 0) continue;
        judged++;
        const needs = byName(req.call).flatMap((d) => Object.values(d.siteFlagNeeds ?? {}).flat());
        const shows = needs.some((n) => req.set.every((f) => n.set.includes(f)) && req.clear.every((f) => n.clear.includes(f)));
        const marked = !!req.derivedIn && factHolds(req.derivedIn, era, 'x86');
        if (marked && !shows) problems.push(`${req.call}: marked derived (needs ${req.set.join('+')} without ${req.clear.join('+')}) but the body in ${version} does not show it`);
        if (!marked && shows) problems.push(`${req.call}: the body in ${version} shows the requirement; mark it derivedIn for this era`);
      }
      assert.deepStrictEqual(problems, []);
      // Not vacuous: the LTS trees reach the anon_vma lookups and GUP's unshare check with FS-DAX pages.
      if (version !== 'mainline') assert.ok(judged >= 3, `only ${judged} model entries could be judged in ${version}`);
      assert.ok(facts.some((f) => f.nullForFsdax), `nothing derived in ${version}`);
    });
  }
});
