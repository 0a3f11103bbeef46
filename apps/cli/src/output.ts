/**
 * Where results and errors go. Results on stdout: one JSON document, or JSON lines for a stream, with --json;
 * text otherwise. Errors, warnings and progress bars on stderr. Bars and colours only when both stdout and stderr
 * are terminals and --json is off; a pipe or a file gets plain lines.
 */
import { describeError } from './errors';
import type { OutStream } from './io';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  noColor: boolean;
}

export class Output {
  /** A person is watching: progress bars and colours. */
  readonly interactive: boolean;

  constructor(
    readonly options: OutputOptions,
    readonly stdout: OutStream,
    readonly stderr: OutStream,
  ) {
    this.interactive = !options.json && !!stdout.isTTY && !!stderr.isTTY;
  }

  get json(): boolean {
    return this.options.json;
  }

  get colour(): boolean {
    return this.interactive && !this.options.noColor;
  }

  /** A command's result: the document with --json, else the text `human` makes (nothing when it is empty). */
  result(document: unknown, human: () => string): void {
    if (this.json) this.stdout.write(JSON.stringify(document) + '\n');
    else {
      const text = human();
      if (text) this.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
  }

  /** One event of a stream: a JSON line with --json, else the line `human` makes (--quiet: nothing). */
  event(document: Record<string, unknown>, human: () => string): void {
    if (this.json) this.stdout.write(JSON.stringify(document) + '\n');
    else if (!this.options.quiet) this.stdout.write(human() + '\n');
  }

  /** A remark for a person, on stderr (never with --json or --quiet). */
  note(text: string): void {
    if (!this.json && !this.options.quiet) this.stderr.write(text + '\n');
  }

  /** The error's detail and code on stderr (a JSON document `{"error": problem}` with --json); its exit code. */
  error(error: unknown): number {
    const { problem, exitCode } = describeError(error);
    if (this.json) this.stderr.write(JSON.stringify({ error: problem }) + '\n');
    else {
      const status = typeof problem.status === 'number' ? `${problem.status} ` : '';
      this.stderr.write(`clouddrive: ${String(problem.detail)} (${status}${String(problem.code)})\n`);
      const fields = problem.errors;
      if (Array.isArray(fields)) {
        for (const field of fields as { field: string; message: string }[]) {
          this.stderr.write(`  ${field.field}: ${field.message}\n`);
        }
      }
    }
    return exitCode;
  }
}

/** 1536 → "1.5 KB": decimal units, as transfer speeds are usually given. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** The start of a listing's line: `d` or `-`, and the size (`-` for a folder), right-aligned. */
export function kindAndSize(item: { kind: 'file' | 'folder'; size_in_bytes: number | null }): string {
  const size = item.kind === 'folder' ? '-' : formatBytes(item.size_in_bytes ?? 0);
  return `${item.kind === 'folder' ? 'd' : '-'} ${size.padStart(9)}`;
}
