// Child process of `npm run bench`: our full analysis through the CLI code path
// (main(), the same as bin/fsdax-audit.js). Arguments are CLI arguments; the
// report goes to --output. Prints one JSON line on stderr's last line:
// { seconds, cpuSeconds, maxRssBytes, exitCode } (cpuSeconds: user + system of the process,
// worker threads included; what a loaded machine inflates least).
import { main } from '../../server/src/cli/main';

async function run(): Promise<void> {
  const started = process.hrtime.bigint();
  const exitCode = await main(process.argv);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  process.stderr.write(`${JSON.stringify({ seconds, cpuSeconds, maxRssBytes: usage.maxRSS * 1024, exitCode })}\n`);
}

run();
