/**
 * Where a run of the CLI reads and writes: its environment, working directory and standard streams. The
 * process's own by default; the tests run `main()` in their process with streams and an environment of their own.
 */
export type OutStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface Io {
  /** The variables to read (readCliEnvironment's default, process.env, when absent). */
  env?: Record<string, string | undefined>;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: OutStream;
  stderr: OutStream;
}

export function processIo(): Io {
  return { cwd: process.cwd(), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
