// lsp front-end: the one wrapper every handler goes through. An exception (or a
// rejected promise) never crosses the LSP boundary: it is logged with the handler
// name and document URI, and the handler's empty answer is returned. A handler that
// keeps failing on the same file is logged in full once, then counted quietly.

export interface GuardLog {
  error(message: string): void;
}

const reported = new Set<string>();

function uriOf(params: unknown): string {
  const p = params as { textDocument?: { uri?: string }; uri?: string } | undefined;
  return p?.textDocument?.uri ?? p?.uri ?? '-';
}

export function guard<P extends unknown[], R>(log: GuardLog, name: string, empty: R, handler: (...args: P) => R | Promise<R>): (...args: P) => Promise<R> {
  return async (...args: P) => {
    try {
      return await handler(...args);
    } catch (e) {
      const uri = uriOf(args[0]);
      const key = `${name}|${uri}`;
      if (!reported.has(key)) {
        reported.add(key);
        log.error(`fsdax-audit: ${name} failed on ${uri}: ${(e as Error)?.stack ?? String(e)}`);
      } else {
        log.error(`fsdax-audit: ${name} failed again on ${uri}: ${(e as Error)?.message ?? String(e)}`);
      }
      return empty;
    }
  };
}

/** The same for fire-and-forget work (notifications, timers): log, never throw. */
export function guardVoid<P extends unknown[]>(log: GuardLog, name: string, handler: (...args: P) => void | Promise<void>): (...args: P) => void {
  const wrapped = guard(log, name, undefined, handler);
  return (...args: P) => { void wrapped(...args); };
}
