import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedPostgresOptions {
  /** Where PGlite keeps its files; undefined keeps everything in memory (tests). */
  dataDir?: string;
  /** The pool size of the client: PGlite's socket server refuses connections beyond it. */
  maxConnections: number;
}

/**
 * PostgreSQL in-process (PGlite on a worker thread), reachable by the `pg` driver over a Unix socket in a
 * private directory. It holds an exclusive lock on its data directory: PGlite takes none itself, and two
 * processes opening the same directory corrupt it.
 */
export class EmbeddedPostgres {
  private worker?: Worker;
  private socketDir?: string;
  private lockFile?: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  /** Starts the server and answers with a connection URL for `pg`. */
  async start(): Promise<string> {
    const { dataDir, maxConnections } = this.options;
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      this.lockFile = acquireLock(`${dataDir.replace(/\/+$/, '')}.lock`);
    }
    // A short path of its own (socket paths are limited to ~100 bytes), readable by this user only.
    this.socketDir = mkdtempSync(join(tmpdir(), 'clouddrive-pg-'));
    const socketPath = join(this.socketDir, '.s.PGSQL.5432');
    const worker = new Worker(join(__dirname, 'pglite.worker.mjs'), {
      workerData: { dataDir, socketPath, maxConnections },
    });
    this.worker = worker;
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the embedded PostgreSQL exited with code ${code}`)));
        worker.once('message', (message: { type: string; message?: string }) =>
          message.type === 'ready' ? resolve() : reject(new Error(`embedded PostgreSQL: ${message.message}`)),
        );
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
    worker.removeAllListeners('exit');
    return `postgres://postgres@${encodeURIComponent(this.socketDir)}/postgres`;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      const stopped = new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await worker.terminate();
    }
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
    if (this.lockFile) rmSync(this.lockFile, { force: true });
    this.socketDir = this.lockFile = undefined;
  }
}

/** Creates the lock file with this process's pid, taking over one left by a process that is gone. */
function acquireLock(file: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (isAlive(holder)) {
        throw new Error(
          `The embedded database is in use by process ${holder} (lock ${file}). Stop that process, or use another DATA_DIR.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
