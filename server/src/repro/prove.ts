// repro: prove a fix on the developer's own tree (`repro --tree <dir> --patch <diff>`): build the
// tree as it is and with the patches (build.ts), boot the same scenario variants on both, and say
// per variant whether the proof holds: a hazard reproduced before and not after, a control clean
// in both. The only layer that combines builds and runs.
import * as path from 'path';
import { missingBuildTools, buildTreeKernel, treeKernelCached, treeProblem, treeState, TreeKernel } from './build';
import { HostError, missingPrerequisites } from './host';
import { RunResult, runVariant } from './run';
import type { Expectation, ReproEra, ReproScenario, ReproVariant } from './scenarios';
import type { Verdict } from './verdict';

export type ProofVerdict = 'reproduced' | 'not reproduced' | 'inconclusive';

export function proofVerdict(v: Verdict): ProofVerdict {
  return v === 'could not run' ? 'inconclusive' : v;
}

/**
 * Whether one variant's row holds: a hazard variant reproduced before and (with patches) not
 * after; a control not reproduced in both. Without patches, `after` is undefined.
 */
export function rowHolds(expect: Expectation, before: ProofVerdict, after: ProofVerdict | undefined): boolean {
  if (expect === 'reproduced') return before === 'reproduced' && (after === undefined || after === 'not reproduced');
  return before === 'not reproduced' && (after === undefined || after === 'not reproduced');
}

export interface ProofRow {
  scenario: string;
  era: ReproEra;
  variant: string;
  expect: Expectation;
  before: ProofVerdict;
  after?: ProofVerdict;
  holds: boolean;
  runs: RunResult[];
}

export interface ProofResult {
  rows: ProofRow[];
  before: TreeKernel;
  after?: TreeKernel;
  /** The tree's state after the runs equals the state before (nothing wrote to it). */
  treeUnchanged: boolean;
}

export interface ProofRequest {
  tree: string;
  era: ReproEra;
  runs: readonly { scenario: ReproScenario; variant: ReproVariant }[];
  patches: readonly string[];
  log: (line: string) => void;
}

/** What the host lacks for `repro --tree` (the runs' prerequisites and the build tools). */
export function missingTreePrerequisites(): string[] {
  return [...new Set([...missingPrerequisites(), ...missingBuildTools()])];
}

/**
 * The kernels a proof on this tree would build first (the tree as it is, then with the patches),
 * named; empty when both images are cached (a run only boots).
 */
export function unbuiltTreeKernels(tree: string, era: ReproEra, patches: readonly string[]): string[] {
  const problem = treeProblem(tree);
  if (problem) throw new HostError(problem);
  const state = treeState(tree).key;
  const kernels = [{ patches: [] as readonly string[], what: 'the tree as it is' }];
  if (patches.length) kernels.push({ patches, what: `the tree with ${patches.map((p) => path.basename(p)).join(' + ')}` });
  return kernels.filter((k) => !treeKernelCached({ tree, era, patches: k.patches, state })).map((k) => k.what);
}

export async function proveOnTree(req: ProofRequest): Promise<ProofResult> {
  const problem = treeProblem(req.tree);
  if (problem) throw new HostError(problem);
  const missing = missingTreePrerequisites();
  if (missing.length) throw new HostError(`missing: ${missing.join(', ')}`);
  const t0 = Date.now();
  const state = treeState(req.tree);
  req.log(`tree: ${req.tree}: ${state.files} files, state ${state.key} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const bootAll = async (kernel: TreeKernel, suffix: 'tree-before' | 'tree-after') => {
    const out: RunResult[] = [];
    for (const { scenario, variant } of req.runs) {
      const r = await runVariant(scenario, req.era, variant, { kernel, runSuffix: suffix, log: req.log });
      req.log(`boot: ${scenario.id} ${variant.id} ${suffix.replace('tree-', '')}: ${r.verdict === 'could not run' ? `could not run (${r.why})` : r.verdict} (${r.seconds.toFixed(1)} s)`);
      out.push(r);
    }
    return out;
  };
  const before = await buildTreeKernel({ tree: req.tree, era: req.era, patches: [], state: state.key, log: req.log });
  const beforeRuns = await bootAll(before, 'tree-before');
  let after: TreeKernel | undefined;
  let afterRuns: RunResult[] | undefined;
  if (req.patches.length) {
    after = await buildTreeKernel({ tree: req.tree, era: req.era, patches: req.patches, state: state.key, log: req.log });
    afterRuns = await bootAll(after, 'tree-after');
  }
  const rows = req.runs.map(({ scenario, variant }, i): ProofRow => {
    const b = proofVerdict(beforeRuns[i].verdict);
    const a = afterRuns ? proofVerdict(afterRuns[i].verdict) : undefined;
    return { scenario: scenario.id, era: req.era, variant: variant.id, expect: variant.expect, before: b, after: a, holds: rowHolds(variant.expect, b, a), runs: afterRuns ? [beforeRuns[i], afterRuns[i]] : [beforeRuns[i]] };
  });
  return { rows, before, after, treeUnchanged: treeState(req.tree).key === state.key };
}
