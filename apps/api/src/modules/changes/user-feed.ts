import { StoredChange } from '@app/db';
import { FeedSignal } from './change-signals';
import { StreamSource } from './event-stream';

/** What a user's feed needs: the log's reads, and the process's signals for that user. */
export interface FeedBackend {
  changesAfter(afterSeq: number, limit: number): Promise<StoredChange[]>;
  subscribe(signal: FeedSignal): () => void;
}

/**
 * The open streams of one user in this process (a browser's tabs, a phone, the command line): one subscription to
 * the user's signals, and one read of the log shared by the streams that ask from the same cursor, so that a change
 * costs one read per user rather than one per stream.
 *
 * A read is shared only until the next signal: a signal means something was committed after the reads in flight
 * may have looked, so a stream asking after it must get a read of its own (a stream that was already waiting on
 * the older read asks again by itself, as it always did).
 */
export class UserFeed implements StreamSource {
  private readonly signals = new Set<FeedSignal>();
  private readonly reads = new Map<string, Promise<StoredChange[]>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly backend: FeedBackend,
    /** Called when its last stream leaves: the feed is forgotten, and a later stream makes a new one. */
    private readonly onIdle: () => void,
  ) {}

  changesAfter(afterSeq: number, limit: number): Promise<StoredChange[]> {
    const key = `${afterSeq} ${limit}`;
    const inFlight = this.reads.get(key);
    if (inFlight) return inFlight;
    const read = this.backend.changesAfter(afterSeq, limit).finally(() => {
      if (this.reads.get(key) === read) this.reads.delete(key);
    });
    this.reads.set(key, read);
    return read;
  }

  subscribe(signal: FeedSignal): () => void {
    this.unsubscribe ??= this.backend.subscribe((lastSeq) => {
      // Reads issued before this signal may not see what it announces: none is shared from now on.
      this.reads.clear();
      for (const each of [...this.signals]) each(lastSeq);
    });
    this.signals.add(signal);
    return () => {
      this.signals.delete(signal);
      if (this.signals.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.onIdle();
    };
  }
}
