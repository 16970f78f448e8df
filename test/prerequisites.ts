// Tests that need something from outside the repository (nvim, a cached kernel tree) never
// install it: without it they skip, with one line naming what is missing and the command that
// provides it, which test/run-all.js repeats above its closing line. Under CI=true (.ci/run
// installs everything first) a missing prerequisite is a failure, never a silent skip.
import * as assert from 'assert';

/** What run-all.js reads off a skipped test: `<what is missing> (<the command that provides it>)`. */
export interface SkippedTest { skipReason?: string }

/** Skips the running test when `missing` is set (fails under CI=true). `install`: the command that provides it. */
export function requirePrerequisite(ctx: Mocha.Context, missing: string | undefined, install: string): void {
  if (!missing) return;
  if (process.env.CI === 'true') assert.fail(`${missing}: run ${install}`);
  const test = (ctx.test ?? ctx.currentTest) as (Mocha.Runnable & SkippedTest) | undefined;
  if (test) test.skipReason = `${missing} (${install})`;
  ctx.skip();
}
