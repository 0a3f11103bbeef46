/**
 * A transfer's progress. On a terminal: a bar per file in flight and one for the whole job with its speed and
 * time left (cli-progress), on stderr, with failures printed above them. Otherwise: a plain line per file on
 * stdout, or a JSON line with --json; the bars never reach a pipe.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { describeError, EXIT } from './errors';
import { formatBytes, type Output } from './output';

export interface TransferTotals {
  files: number;
  bytes: number;
}

const NAME_WIDTH = 20;

function shortName(name: string): string {
  return name.length <= NAME_WIDTH ? name.padEnd(NAME_WIDTH) : '…' + name.slice(name.length - NAME_WIDTH + 1);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

const SUMMARY_WORDS: Record<string, string> = { exists: 'already there' };

export class Progress {
  private readonly counts: Record<string, number> = {};
  private readonly failureCodes = new Set<number>();
  private readonly startedAt = performance.now();
  private totals: TransferTotals = { files: 0, bytes: 0 };
  private doneFiles = 0;
  private bytes = 0;
  private readonly bars?: MultiBar;
  private total?: SingleBar;
  private readonly fileBars = new Map<string, { bar: SingleBar; bytes: number }>();

  /** `names`: the outcomes counted in the summary, in its order (`failed` among them). */
  constructor(
    private readonly output: Output,
    private readonly verb: string,
    private readonly names: string[],
  ) {
    if (output.interactive && !output.options.quiet) {
      this.bars = new MultiBar(
        {
          stream: output.stderr as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: false,
          fps: 8,
          autopadding: true,
          barsize: 24,
        },
        Presets.shades_classic,
      );
      // Ctrl-C: the cursor comes back before the process ends as an interrupted one (128 + SIGINT).
      process.once('SIGINT', this.interrupted);
    }
  }

  /** The job's size, once known (the files still to send: those already there are not counted). */
  begin(totals: TransferTotals): void {
    this.totals = totals;
    this.total = this.bars?.create(Math.max(totals.bytes, 1), 0, this.totalPayload(), {
      // What matters most first: a narrow terminal cuts the end of the line.
      format: `${shortName(this.verb)} |{bar}| {percentage}% | {speed} | {left} left | {files} | {moved}`,
    });
  }

  /** Bytes moved so far, the speed since the start, and the time left at that speed. */
  figures(): { bytes: number; seconds: number; bytesPerSecond: number; secondsLeft: number } {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const bytesPerSecond = seconds > 0 ? this.bytes / seconds : 0;
    const secondsLeft = bytesPerSecond > 0 ? (this.totals.bytes - this.bytes) / bytesPerSecond : Infinity;
    return { bytes: this.bytes, seconds, bytesPerSecond, secondsLeft };
  }

  private totalPayload(): Record<string, string> {
    const { bytesPerSecond, secondsLeft } = this.figures();
    return {
      files: `${this.doneFiles}/${this.totals.files} files`,
      moved: `${formatBytes(this.bytes)}/${formatBytes(this.totals.bytes)}`,
      speed: `${formatBytes(bytesPerSecond)}/s`,
      left: duration(secondsLeft),
    };
  }

  started(key: string, name: string, size: number): void {
    if (!this.bars) return;
    const bar = this.bars.create(
      Math.max(size, 1),
      0,
      { moved: formatBytes(0) },
      {
        format: `${shortName(name)} |{bar}| {percentage}% | {moved}`,
      },
    );
    this.fileBars.set(key, { bar, bytes: 0 });
  }

  advanced(key: string, bytes: number): void {
    this.bytes += bytes;
    if (!this.bars) return;
    const file = this.fileBars.get(key);
    if (file) {
      file.bytes += bytes;
      file.bar.update(file.bytes, { moved: formatBytes(file.bytes) });
    }
    this.total?.update(this.bytes, this.totalPayload());
  }

  /** Bytes counted for a try that failed and will be sent again. */
  rewound(key: string, bytes: number): void {
    this.bytes -= bytes;
    const file = this.fileBars.get(key);
    if (file) {
      file.bytes = 0;
      file.bar.update(0, { moved: formatBytes(0) });
    }
  }

  /** A file's bytes are all sent (or it is given up): its bar goes, the job's count moves. */
  done(key: string): void {
    this.doneFiles++;
    const file = this.fileBars.get(key);
    if (file) this.bars?.remove(file.bar);
    this.fileBars.delete(key);
    this.total?.update(this.bytes, this.totalPayload());
  }

  /**
   * What became of a file (`event`: counted under that name): a JSON line with --json, a plain line off a
   * terminal; on a terminal, failures only (above the bars while they run), the summary telling the rest.
   */
  record(event: string, fields: Record<string, unknown> & { remote: string }, human: string): void {
    this.counts[event] = (this.counts[event] ?? 0) + 1;
    const document = { event, ...fields };
    if (!this.output.interactive) this.output.event(document, () => human);
    else if (event === 'failed') {
      if (this.bars && !this.stopped) this.bars.log(human + '\n');
      else this.output.stderr.write(human + '\n');
    }
  }

  /** A file given up: the problem's fields in its event, and its exit code kept for the summary. */
  failed(fields: Record<string, unknown> & { remote: string }, error: unknown): void {
    const { problem, exitCode } = describeError(error);
    this.failureCodes.add(exitCode);
    this.record(
      'failed',
      { ...fields, ...problem },
      `failed   ${fields.remote}: ${String(problem.detail)} (${String(problem.code)})`,
    );
  }

  /**
   * Prints the summary (a last JSON line `{"event":"summary"}`) and answers the exit code: 0 when nothing
   * failed; when everything failed for one reason, that reason's code; else 10, some failed.
   */
  summary(): number {
    this.stop();
    const { bytes, seconds, bytesPerSecond } = this.figures();
    const counts = Object.fromEntries(this.names.map((name) => [name, this.counts[name] ?? 0]));
    this.output.event(
      {
        event: 'summary',
        ...counts,
        bytes,
        seconds: Number(seconds.toFixed(3)),
        bytes_per_second: Math.round(bytesPerSecond),
      },
      () =>
        `${this.names.map((name) => `${counts[name]} ${SUMMARY_WORDS[name] ?? name}`).join(', ')}; ` +
        `${formatBytes(bytes)} in ${seconds.toFixed(1)} s (${formatBytes(bytesPerSecond)}/s)`,
    );
    const failed = counts.failed ?? 0;
    if (failed === 0) return EXIT.ok;
    const allFailed = this.names.every((name) => name === 'failed' || counts[name] === 0);
    return allFailed && this.failureCodes.size === 1 ? [...this.failureCodes][0] : EXIT.partial;
  }

  private stopped = false;

  private readonly interrupted = (): void => {
    this.stop();
    process.exit(130);
  };

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('SIGINT', this.interrupted);
    this.total?.update(this.bytes, this.totalPayload());
    this.bars?.stop();
  }
}
