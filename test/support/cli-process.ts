import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The built command, as `npm run build` leaves it (bin/clouddrive.js loads it). */
export const CLI_ENTRY = join(ROOT, 'bin', 'clouddrive.js');

/** Bundles the CLI into dist/cli, as `npm run build` does (esbuild: about a second). */
export function buildCli(): void {
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: 'pipe' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** What it printed so far. */
  stdout(): string;
  done: Promise<CliRun>;
}

/** Starts `clouddrive <args>` in a process of its own, with only the given environment (and PATH). */
export function startCli(args: string[], env: Record<string, string>, input?: string, cwd = ROOT): CliProcess {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(input ?? '');
  const done = new Promise<CliRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stdout: () => stdout, done };
}

/** Runs `clouddrive <args>` to its end. */
export function runCli(args: string[], env: Record<string, string>, input?: string, cwd?: string): Promise<CliRun> {
  return startCli(args, env, input, cwd).done;
}

/** The JSON lines of a stream, each parsed (a line that is not JSON fails the test). */
export function jsonLines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}
