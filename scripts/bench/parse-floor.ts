// Child process of `npm run bench`: the floor. A bare tree-sitter-c parse of the
// given files (no preprocessing, no analysis), yielding to the event loop after
// each file because node tree-sitter frees trees only then (else RSS climbs past 1 GiB).
// Prints one JSON line: { seconds, maxRssBytes, files, bytes }.
import * as fs from 'fs';
import Parser = require('tree-sitter');
import C = require('tree-sitter-c');

async function main(): Promise<void> {
  const files = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
  const parser = new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  const started = process.hrtime.bigint();
  let bytes = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'latin1');
    bytes += text.length;
    // The default 32 KiB buffer makes parse() fail on big files; size it to the file.
    parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1) });
    await new Promise((r) => setImmediate(r));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, files: files.length, bytes })}\n`);
}

main();
