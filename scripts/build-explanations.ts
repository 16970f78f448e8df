// npm run explanations [-- --out DIR]
// Writes the simulator's static pages (one per scenario, a section per era, and
// index.html) to out/explanations/, the target of SARIF helpUri and of the
// diagnostics' codeDescription.href. Generated, never committed.
import * as fs from 'fs';
import * as path from 'path';
import { buildExplanationPages } from '../server/src/explain/index';

function outDir(): string {
  const i = process.argv.indexOf('--out');
  if (i > 0 && process.argv[i + 1]) return path.resolve(process.argv[i + 1]);
  // This file runs as out/scripts/build-explanations.js; the repo root is two levels up.
  return path.resolve(__dirname, '..', '..', 'out', 'explanations');
}

function main(): void {
  const dir = outDir();
  fs.mkdirSync(dir, { recursive: true });
  const pages = buildExplanationPages();
  for (const page of pages) fs.writeFileSync(path.join(dir, page.path), page.html);
  console.log(`explanations: ${pages.length} pages in ${path.relative(process.cwd(), dir) || '.'}`);
}

main();
