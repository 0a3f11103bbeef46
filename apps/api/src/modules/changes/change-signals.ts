import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ChangesRepository, isEmbeddedDatabase, PostgresListener, StoredChange, Transactions } from '@app/db';

/** The NOTIFY channel on which every API process hears which feeds moved. */
const CHANNEL = 'clouddrive_changes';
/** A NOTIFY's payload must stay under 8,000 bytes: about 60 bytes per feed. */
const FEEDS_PER_NOTIFY = 100;
const RESYNC = Symbol('resync');

/** A feed's new last number, or undefined: look again, something may have been missed. */
export type FeedSignal = (lastSeq: number | undefined) => void;

/**
 * Tells the streams of this process that a user's feed moved, whichever process wrote the change. On a PostgreSQL
 * server (with a pool of two connections or more), through NOTIFY inside the writing transaction (delivered at its commit, to every replica, in commit order)
 * and one LISTEN per process; in the embedded mode (one connection), in-process after the commit. A signal carries only the feed and
 * its number: the streams read the changes themselves, so a lost signal delays them and never loses one.
 */
@Injectable()
export class ChangeSignals implements OnApplicationBootstrap {
  private readonly local = new EventEmitter().setMaxListeners(0);
  /** In-process only: with one connection (PGlite, or a pool of one), none can be kept for LISTEN. */
  private readonly localOnly: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly transactions: Transactions,
    private readonly changes: ChangesRepository,
    private readonly listener: PostgresListener,
  ) {
    this.localOnly = isEmbeddedDatabase(config.database) || config.database.poolSize < 2;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.localOnly) return;
    await this.listener.listen(CHANNEL, {
      message: (payload) => this.deliver(JSON.parse(payload) as [string, number][]),
      resync: () => this.local.emit(RESYNC),
    });
  }

  /** Called in the transaction that wrote `stored`, just before it commits. */
  async written(stored: StoredChange[]): Promise<void> {
    const last = new Map<string, number>();
    for (const change of stored) last.set(change.userId, Math.max(last.get(change.userId) ?? 0, change.seq));
    const feeds = [...last.entries()];
    if (this.localOnly) {
      this.transactions.afterCommit(async () => this.deliver(feeds));
      return;
    }
    for (let i = 0; i < feeds.length; i += FEEDS_PER_NOTIFY) {
      await this.changes.notify(CHANNEL, JSON.stringify(feeds.slice(i, i + FEEDS_PER_NOTIFY)));
    }
  }

  /** Calls `signal` whenever the user's feed moves (or may have), until the returned function is called. */
  subscribe(userId: string, signal: FeedSignal): () => void {
    const resync = (): void => signal(undefined);
    this.local.on(userId, signal);
    this.local.on(RESYNC, resync);
    return () => {
      this.local.off(userId, signal);
      this.local.off(RESYNC, resync);
    };
  }

  private deliver(feeds: [string, number][]): void {
    for (const [userId, seq] of feeds) this.local.emit(userId, seq);
  }
}
