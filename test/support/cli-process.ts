import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { OutStream } from '../../apps/cli/src/io';
import { main } from '../../apps/cli/src/main';

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

/** A stream that keeps what is written to it, as a pipe would (not a terminal). */
function collector(): { stream: OutStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0 };
  return { stream: stream as unknown as OutStream, text: () => chunks.join('') };
}

/**
 * Runs the same command line through `main()` in this process (so that coverage sees the CLI's code), with
 * streams, an environment and a working directory of its own; answers as runCli does.
 */
export async function runCliInProcess(
  args: string[],
  env: Record<string, string>,
  input?: string,
  cwd = ROOT,
): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const io = { env, cwd, stdin: Readable.from(input ? [input] : []), stdout: stdout.stream, stderr: stderr.stream };
  const code = await main([process.execPath, CLI_ENTRY, ...args], io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export type CliRunner = typeof runCli;

/** The JSON lines of a stream, each parsed (a line that is not JSON fails the test). */
export function jsonLines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}
