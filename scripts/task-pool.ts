// A pool of child processes that run tasks with a per-task time limit. Why
// children and not worker threads: a hang inside native code (tree-sitter)
// cannot be interrupted in-thread; SIGKILL always works. A child that times
// out or dies is replaced, and the task is reported, not retried.
import { fork, ChildProcess } from 'child_process';

export interface TaskMessage<T> { id: number; task: T }
export type TaskOutcome<R> = { kind: 'done'; result: R } | { kind: 'timeout' } | { kind: 'crash'; detail: string };

export interface PoolOptions<T, R> {
  /** Compiled script that calls serveTasks(). */
  script: string;
  args?: string[];
  execArgv?: string[];
  tasks: readonly T[];
  concurrency: number;
  timeoutMs: number;
  onOutcome(task: T, outcome: TaskOutcome<R>): void;
}

export function runPool<T, R>(o: PoolOptions<T, R>): Promise<void> {
  let next = 0;
  let running = 0;
  return new Promise((resolve) => {
    const start = () => {
      if (next >= o.tasks.length) { if (running === 0) resolve(); return; }
      running++;
      const child = fork(o.script, o.args ?? [], { execArgv: o.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current: { id: number; timer: NodeJS.Timeout } | undefined;
      const finish = (outcome: TaskOutcome<R>) => {
        if (!current) return;
        clearTimeout(current.timer);
        const id = current.id;
        current = undefined;
        o.onOutcome(o.tasks[id], outcome);
      };
      const send = () => {
        if (next >= o.tasks.length) { child.disconnect(); return; }
        const id = next++;
        current = { id, timer: setTimeout(() => { finish({ kind: 'timeout' }); child.kill('SIGKILL'); }, o.timeoutMs) };
        child.send({ id, task: o.tasks[id] } satisfies TaskMessage<T>);
      };
      child.on('message', (m: { id: number; result: R }) => { if (current?.id === m.id) { finish({ kind: 'done', result: m.result }); send(); } });
      child.on('exit', (code, signal) => {
        finish({ kind: 'crash', detail: `child exited (${signal ?? `code ${code}`})` });
        running--;
        start();
      });
      send();
    };
    for (let i = 0; i < Math.max(1, o.concurrency); i++) start();
  });
}

/** The child side: answers each task with handler's result. */
export function serveTasks<T, R>(handler: (task: T) => Promise<R> | R): void {
  process.on('message', async (m: TaskMessage<T>) => {
    const result = await handler(m.task);
    process.send!({ id: m.id, result });
  });
}
