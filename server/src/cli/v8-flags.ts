// cli front-end: V8's settings for a run of seconds (the CLI, kbuild's per-file checker).
import * as v8 from 'v8';

/**
 * Without inlining, V8's optimizing compiler has far less to do in a run of seconds, and on two
 * cores its background thread had taken the main thread's core. A cold 6.12 `mm/`+`fs/` run went
 * from 0.59x to 0.53x the floor in one hour: CPU 7.7 to 6.1 s, of which the threads besides the
 * main one (the readers, the compiler, the GC) 4.1 to 2.4 s (docs/performance.md, session 12).
 * Flags are the process's: the language server, which runs the same code for hours and is judged
 * per edit, keeps V8's defaults.
 */
const CLI_V8_FLAGS = '--no-turbo-inlining';

/** Set before the analysis's code gets hot: V8 reads the flag when it next compiles a function. */
export function applyCliV8Flags(): void {
  v8.setFlagsFromString(CLI_V8_FLAGS);
}
