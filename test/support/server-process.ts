import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  /** The base URL, once the server said it listens. */
  url: Promise<string>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal) when it ends. */
  exited: Promise<number | NodeJS.Signals>;
  stop(): Promise<number | NodeJS.Signals>;
}

/**
 * Starts the API as `npm start` would run it (its main.ts, compiled on the fly), with only the given
 * environment: a real process, its own embedded PostgreSQL on a worker thread, a real port. `entry` starts
 * another program the same way (the workers' receiver: apps/workers/src/main.ts).
 */
export function startServerProcess(env: Record<string, string>, entry = 'apps/api/src/main.ts'): ServerProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal!)),
  );
  const url = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  url.catch(() => undefined);
  return {
    child,
    url,
    output: () => output,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
