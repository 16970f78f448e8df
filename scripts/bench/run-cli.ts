// Child process of `npm run bench`: our full analysis through the CLI code path
// (main(), the same as bin/fsdax-audit.js). Arguments are CLI arguments; the
// report goes to --output. Prints one JSON line on stderr's last line:
// { seconds, cpuSeconds, mainThreadCpuSeconds, maxRssBytes, exitCode } (cpuSeconds: user + system
// of the process, worker threads included; what a loaded machine inflates least. mainThreadCpuSeconds:
// the main thread's alone, where Linux says it: the rest is the reader threads' and V8's own, its
// optimizing compiler's and its GC's).
import * as fs from 'fs';
import { main } from '../../server/src/cli/main';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/** The calling thread's user + system CPU seconds from /proc/thread-self/stat; undefined elsewhere. */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // utime and stime are the 14th and 15th fields; counted after the command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

async function run(): Promise<void> {
  const started = process.hrtime.bigint();
  const exitCode = await main(process.argv);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  process.stderr.write(`${JSON.stringify({ seconds, cpuSeconds, mainThreadCpuSeconds: threadCpuSeconds(), maxRssBytes: usage.maxRSS * 1024, exitCode })}\n`);
}

run();
