// npm run parse-report [-- --version 6.12 --dirs mm,fs]
// Parses every .c/.h under the given dirs of a cached kernel tree and reports
// files, bytes, time, function definitions recovered and those containing ERROR nodes.
import * as fs from 'fs';
import * as path from 'path';
import { collectSyntaxErrors, parseSource } from '../server/src/parse/parser';
import { listCFiles, requireKernelTree } from './kernel-tree';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const version = arg('version', '6.12');
  const dirs = arg('dirs', 'mm,fs').split(',');
  const root = requireKernelTree(version);
  const files = listCFiles(root, dirs);
  let bytes = 0, functions = 0, functionsWithErrors = 0, filesWithErrors = 0, throws = 0, problems = 0;
  const worst: Array<[string, number]> = [];
  const started = process.hrtime.bigint();
  for (const file of files) {
    const data = fs.readFileSync(file);
    bytes += data.byteLength;
    try {
      const parsed = parseSource(path.relative(root, file), data);
      problems += parsed.problems.length;
      const defs = parsed.tree.rootNode.descendantsOfType('function_definition');
      const bad = defs.filter((d) => d.hasError).length;
      functions += defs.length;
      functionsWithErrors += bad;
      if (parsed.tree.rootNode.hasError) { filesWithErrors++; worst.push([parsed.path, collectSyntaxErrors(parsed.tree).length]); }
    } catch (e) {
      throws++;
      process.stderr.write(`${file}: ${(e as Error).message}\n`);
    }
    await new Promise((r) => setImmediate(r)); // lets node tree-sitter free old trees
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  worst.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  console.log(`linux-${version} ${dirs.join('+')}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s`);
  console.log(`function definitions: ${functions}, with ERROR nodes: ${functionsWithErrors} (${((100 * functionsWithErrors) / Math.max(1, functions)).toFixed(2)}%)`);
  console.log(`files with any ERROR node: ${filesWithErrors}; preprocessor problems: ${problems}; files that threw: ${throws}`);
  if (process.argv.includes('--worst')) for (const [f, n] of worst.slice(0, 25)) console.log(`  ${n}\t${f}`);
}

main();
