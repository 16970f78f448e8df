// Child process of npm run soak: parses one file per task (and audits it
// alone), answering with what happened. Never lets an exception escape: a
// throw is the finding the soak is looking for, so it is reported by file.
import * as fs from 'fs';
import { parseSource } from '../server/src/parse/parser';
import { auditFiles } from '../server/src/analysis/audit';
import { serveTasks } from './task-pool';
import { allRules } from '../server/rules/index';

export interface SoakTask { file: string; rel: string }
export interface SoakResult { bytes: number; ms: number; error?: string; rss: number; tooLarge?: boolean }

const era = { era: '6.2-6.14', known: true, evidence: 'soak' } as const;

serveTasks<SoakTask, SoakResult>(async ({ file, rel }) => {
  const started = process.hrtime.bigint();
  let bytes = 0;
  let error: string | undefined;
  let tooLarge = false;
  try {
    const data = fs.readFileSync(file);
    bytes = data.byteLength;
    const parsed = parseSource(rel, data);
    tooLarge = parsed.problems.some((p) => p.kind === 'too-large');
    const result = auditFiles([{ path: rel, content: data }], { era, rules: allRules });
    const internal = result.problems.find((p) => p.kind === 'internal');
    if (internal) error = `internal problem: ${internal.message}`;
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`.slice(0, 300);
  }
  // Yield so node tree-sitter can free the trees of this file before the next one.
  await new Promise((r) => setImmediate(r));
  return { bytes, ms: Number(process.hrtime.bigint() - started) / 1e6, error, rss: process.memoryUsage().rss, tooLarge };
});
