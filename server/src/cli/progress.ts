// cli front-end: a one-line progress display on stderr, drawn only on a TTY so
// CI logs and redirected output never see carriage returns.
// NOTE: hand-written rather than cli-progress: auditFiles() runs synchronously,
// so a library that redraws from timers would freeze; TTY writes on Linux are
// synchronous, so redrawing from tick() works. Revisit if the core reports
// progress through a callback or runs in workers (issue 5, --jobs).

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export interface Progress {
  /** Starts a phase; with a total it shows `label n/total`, without one just the label. */
  phase(label: string, total?: number): void;
  /** The phase's total, once known: what was counted already stays (files read while the walk still lists them). */
  setTotal(total: number): void;
  tick(): void;
  /** Clears the line. */
  done(): void;
}

const REDRAW_MS = 80;

const SILENT: Progress = { phase() {}, setTotal() {}, tick() {}, done() {} };

export function createProgress(stream: ProgressStream, wanted: boolean, now: () => number = Date.now): Progress {
  if (!wanted || !stream.isTTY) return SILENT;
  let label = '';
  let total: number | undefined;
  let count = 0;
  let lastDraw = 0;
  let drawn = false;
  const draw = () => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    const text = total === undefined ? label : `${label} ${count}/${total}${bar(count, total)}`;
    stream.write(`\r${text.slice(0, width).padEnd(width)}`);
    lastDraw = now();
    drawn = true;
  };
  return {
    phase(newLabel, newTotal) {
      label = newLabel;
      total = newTotal;
      count = 0;
      draw();
    },
    setTotal(newTotal) {
      total = newTotal;
      draw();
    },
    tick() {
      count++;
      if (now() - lastDraw >= REDRAW_MS || count === total) draw();
    },
    done() {
      if (drawn) stream.write(`\r${' '.repeat(Math.max(20, (stream.columns || 80) - 1))}\r`);
      drawn = false;
    },
  };
}

function bar(count: number, total: number): string {
  const width = 20;
  const filled = total > 0 ? Math.round((width * count) / total) : width;
  return ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
