import { PassThrough } from 'node:stream';
import { StoredChange } from '@app/db';
import { ChangeDto } from './dto/change.dto';

/** What a stream needs of the service: its user's changes after a number, and a signal when they move. */
export interface StreamSource {
  changesAfter(afterSeq: number, limit: number): Promise<StoredChange[]>;
  subscribe(signal: (lastSeq: number | undefined) => void): () => void;
}

export interface StreamTimings {
  heartbeatMs: number;
  maxMs: number;
}

/** Changes read per query while catching up. */
const BATCH = 200;
/** A client this far behind (bytes queued and unread) is dropped: it reconnects and catches up from the log. */
const MAX_QUEUED_BYTES = 1 << 20;
/** How long a browser waits before reconnecting, told at the start of each stream. */
const RETRY_MS = 2000;

/**
 * One open `text/event-stream`: sends the user's changes after `afterSeq` as they are logged, each event's `id` its
 * cursor, so that a reconnecting browser's `Last-Event-ID` resumes exactly there. Always reads from the log (a signal
 * only says to look), one read at a time, so no change is sent twice or skipped. A comment every `heartbeatMs`
 * keeps proxies from closing an idle stream; after `maxMs` it ends and the client reconnects.
 */
export class EventStream {
  readonly body = new PassThrough();
  private reading = false;
  private again = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly source: StreamSource,
    private afterSeq: number,
    private readonly present: (change: StoredChange) => ChangeDto,
    private readonly onClose: () => void,
  ) {}

  /** Starts sending: a `cursor_expired` event first when the client's cursor was too old. */
  start(timings: StreamTimings, expired?: { cursor: string }): void {
    this.body.on('close', () => this.close());
    this.write(`retry: ${RETRY_MS}\n\n`);
    // Told once, then the stream goes on from now: the client must list afresh (what GET /changes answers 410).
    if (expired) this.write(`event: cursor_expired\ndata: ${JSON.stringify(expired)}\n\n`);
    this.unsubscribe = this.source.subscribe((lastSeq) => {
      if (lastSeq === undefined || lastSeq > this.afterSeq) void this.catchUp();
    });
    this.timers.push(setInterval(() => this.write(': keep-alive\n\n'), timings.heartbeatMs));
    this.timers.push(setTimeout(() => this.close(), timings.maxMs));
    void this.catchUp();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.body.end();
    this.onClose();
  }

  /** Sends every change after the last one sent; a signal meanwhile makes it look once more. */
  private async catchUp(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        let batch: StoredChange[];
        do {
          batch = await this.source.changesAfter(this.afterSeq, BATCH);
          if (this.closed) return;
          for (const change of batch) {
            this.write(`id: ${change.seq}\nevent: change\ndata: ${JSON.stringify(this.present(change))}\n\n`);
            this.afterSeq = change.seq;
          }
        } while (batch.length === BATCH);
      } while (this.again && !this.closed);
    } catch {
      // The database is unreachable: end the stream; the client reconnects and resumes from its last id.
      this.close();
    } finally {
      this.reading = false;
    }
  }

  private write(text: string): void {
    if (this.closed) return;
    this.body.write(text);
    if (this.body.writableLength > MAX_QUEUED_BYTES) this.close();
  }
}
