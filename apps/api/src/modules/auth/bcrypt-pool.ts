import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type BcryptTask =
  { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

export type BcryptReply = { ok: true; value: string | boolean } | { ok: false; message: string };

interface Job {
  task: BcryptTask;
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

/**
 * The worker's file, found by path beside this one: JavaScript once built, TypeScript from source (jest,
 * `nest start`), where the thread compiles it as it loads.
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const base = join(__dirname, 'bcrypt.worker');
  return existsSync(`${base}.js`)
    ? { file: `${base}.js`, execArgv: [] }
    : { file: `${base}.ts`, execArgv: ['-r', '@swc-node/register'] };
}

/**
 * bcrypt on worker threads, so that a hash (~250 ms at cost 12) never holds the event loop. At most `size`
 * threads, started as work arrives; tasks beyond them wait in order. An idle thread does not keep the process
 * alive; `close()` ends them all.
 */
export class BcryptPool {
  private readonly threads = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`A bcrypt pool needs at least one thread (got ${size})`);
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, cost }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  /** Threads started now (at most `size`). */
  get threadCount(): number {
    return this.threads.size;
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.queue.length;
  }

  /** Ends every thread; tasks still queued or running are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(closedError());
    await Promise.all([...this.threads].map((thread) => thread.terminate()));
  }

  private run(task: BcryptTask): Promise<string | boolean> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const thread = this.idle.pop() ?? (this.threads.size < this.size ? this.start() : undefined);
      if (!thread) return;
      const job = this.queue.shift()!;
      this.running.set(thread, job);
      thread.ref();
      thread.postMessage(job.task);
    }
  }

  private start(): Worker {
    const { file, execArgv } = workerEntry();
    const thread = new Worker(file, { execArgv });
    thread.on('message', (reply: BcryptReply) => this.settle(thread, reply));
    thread.on('error', (error) => this.lose(thread, error));
    thread.on('exit', (code) =>
      this.lose(thread, this.closed ? closedError() : new Error(`A bcrypt thread exited (code ${code})`)),
    );
    this.threads.add(thread);
    return thread;
  }

  private settle(thread: Worker, reply: BcryptReply): void {
    const job = this.running.get(thread);
    this.running.delete(thread);
    thread.unref();
    this.idle.push(thread);
    if (reply.ok) job?.resolve(reply.value);
    else job?.reject(new Error(reply.message));
    this.dispatch();
  }

  /** A thread that failed or exited: its task is refused, and the queue goes on on a new one. */
  private lose(thread: Worker, error: Error): void {
    if (!this.threads.delete(thread)) return;
    const at = this.idle.indexOf(thread);
    if (at !== -1) this.idle.splice(at, 1);
    const job = this.running.get(thread);
    this.running.delete(thread);
    job?.reject(error);
    this.dispatch();
  }
}

const closedError = () => new Error('The bcrypt pool is closed (the server is shutting down).');
