// cli front-end: where the CLI writes (main and its subcommands, such as repro).
/** Where the CLI writes; tests and the benchmark pass their own. */
export interface CliIo {
  stdout: { write(text: string): boolean };
  stderr: { isTTY?: boolean; columns?: number; write(text: string): boolean };
}
