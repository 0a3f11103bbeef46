import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DbModule, Transactions } from '@app/db';
import { RedisConnection, RedisModule } from '../redis/redis-connection';
import { CacheStore } from './cache-store';
import { MemoryStore } from './memory-store';
import { RedisStore } from './redis-store';

/** The key of the open transaction's set of users to bump once it commits. */
const BUMPS = {};

/**
 * A cache of what a user reads far more often than anything changes it (the identity behind their token, listing
 * pages), per user: in Redis, which every replica shares, or in this process's memory when it is the only one
 * (CACHE_STORE).
 * Values travel as JSON (dates come back as strings, as a response would send them).
 *
 * Why a value is never stale: every value is kept under its user's generation, read in the same look that found no
 * value, before the database is read. Whatever changes what a user reads bumps their generation once it has
 * committed, before its own request is answered (Transactions.afterCommit; the change log does it for every change
 * it records, to the change's whole audience). A value computed from a read made before such a commit can only have
 * been kept under the generation before the bump, which no later look reads: the first look after the bump finds
 * nothing, and reads the database. The TTL only bounds what a lost bump (Redis unreachable for the writer alone)
 * could cost.
 */
@Injectable()
export class Cache {
  private readonly logger = new Logger('Cache');
  private readonly store?: CacheStore;
  private readonly ttlSeconds: number;
  private warnedAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    connection: RedisConnection,
    private readonly transactions: Transactions,
  ) {
    const { store, ttlSeconds, maxEntries, redisKeyPrefix } = config.cache;
    this.ttlSeconds = ttlSeconds;
    const redis = store === 'redis' ? connection.client() : undefined;
    if (redis) this.store = new RedisStore(redis, redisKeyPrefix);
    else if (store === 'memory') this.store = new MemoryStore(maxEntries);
  }

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /**
   * `userId`'s value `name`, or what `load` answers, then kept until the user's generation moves, the TTL ends or
   * `expiresAt` (of the value) comes. Null and undefined are not kept. Should the store fail, the read goes to `load`.
   */
  async remember<T>(
    userId: string,
    name: string,
    load: () => Promise<T>,
    expiresAt?: (value: T) => Date | null,
  ): Promise<T> {
    if (!this.store) return load();
    const found = await this.store.lookup(userId, name).catch((error: unknown) => this.unavailable(error));
    if (!found) return load();
    if (found.value !== undefined) return JSON.parse(found.value) as T;
    const value = await load();
    if (value === null || value === undefined) return value;
    const until = expiresAt?.(value);
    const ttl = until ? Math.min(this.ttlSeconds, Math.floor((until.getTime() - Date.now()) / 1000)) : this.ttlSeconds;
    if (ttl >= 1) {
      void this.store
        .put(userId, found.generation, name, JSON.stringify(value), ttl)
        .catch((error: unknown) => this.unavailable(error));
    }
    return value;
  }

  /**
   * What `userIds` read has changed: inside `Transactions.run`, their generations move once it has committed (one
   * bump for the whole transaction, before `run` returns); outside one, at once.
   */
  async changed(userIds: Iterable<string>): Promise<void> {
    if (!this.store) return;
    if (!this.transactions.active) return this.bump([...userIds]);
    const pending = this.transactions.slot(BUMPS, () => {
      const users = new Set<string>();
      this.transactions.afterCommit(() => this.bump([...users]));
      return users;
    });
    for (const userId of userIds) pending.add(userId);
  }

  /** What anyone reads may have changed (the reconciler's sweeps, an account deleted): every generation moves. */
  async changedForEveryone(): Promise<void> {
    await this.store?.bumpEveryone().catch((error: unknown) => this.unavailable(error));
  }

  private async bump(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.store?.bump([...new Set(userIds)]).catch((error: unknown) => this.unavailable(error));
  }

  /** Logged at most every 10 s: while Redis is away every request would say it. */
  private unavailable(error: unknown): undefined {
    if (Date.now() - this.warnedAt < 10_000) return undefined;
    this.warnedAt = Date.now();
    this.logger.warn(
      `unavailable, reads go to the database: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

@Global()
@Module({ imports: [DbModule, RedisModule], providers: [Cache], exports: [Cache] })
export class CacheModule {}
