import { AppConfig } from '@app/config';
import { Transactions } from '@app/db';
import { RedisConnection } from '../redis/redis-connection';
import { Cache } from './cache';
import { MemoryStore } from './memory-store';

/** A stand-in for Transactions: `active` while `run`'s work runs, its after-commit hooks run when it returns. */
class FakeTransactions {
  active = false;
  private hooks: (() => Promise<void>)[] = [];
  private slots = new Map<object, unknown>();

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.active = true;
    const value = await work();
    this.active = false;
    for (const hook of this.hooks.splice(0)) await hook();
    this.slots.clear();
    return value;
  }

  afterCommit(hook: () => Promise<void>): void {
    this.hooks.push(hook);
  }

  slot<T>(key: object, init: () => T): T {
    if (!this.slots.has(key)) this.slots.set(key, init());
    return this.slots.get(key) as T;
  }
}

function cacheWith(cache: Partial<AppConfig['cache']> = {}, transactions = new FakeTransactions()): Cache {
  const config = {
    cache: { store: 'memory', ttlSeconds: 60, maxEntries: 100, redisKeyPrefix: 'unused:', ...cache },
    redis: { url: undefined },
  } as AppConfig;
  return new Cache(config, new RedisConnection(config), transactions as unknown as Transactions);
}

describe('Cache (in memory)', () => {
  it('keeps a value per user until that user is bumped; other users keep theirs', async () => {
    const cache = cacheWith();
    const load = jest.fn().mockResolvedValueOnce({ n: 1 }).mockResolvedValueOnce({ n: 2 }).mockResolvedValue({ n: 3 });
    expect(await cache.remember('a', 'x', load)).toEqual({ n: 1 });
    expect(await cache.remember('a', 'x', load)).toEqual({ n: 1 });
    expect(await cache.remember('b', 'x', load)).toEqual({ n: 2 });
    await cache.changed(['a']);
    expect(await cache.remember('a', 'x', load)).toEqual({ n: 3 });
    expect(await cache.remember('b', 'x', load)).toEqual({ n: 2 });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('never keeps what was read before a bump that happened meanwhile (the generation is read first)', async () => {
    const cache = cacheWith();
    let release!: () => void;
    const slowRead = new Promise<void>((resolve) => (release = resolve));
    const stale = cache.remember('a', 'x', async () => {
      await slowRead;
      return 'before';
    });
    await cache.changed(['a']); // committed while the read above was on its way
    release();
    expect(await stale).toBe('before');
    expect(await cache.remember('a', 'x', async () => 'after')).toBe('after');
  });

  it('bumps everyone at once', async () => {
    const cache = cacheWith();
    await cache.remember('a', 'x', async () => 1);
    await cache.remember('b', 'x', async () => 1);
    await cache.changedForEveryone();
    expect(await cache.remember('a', 'x', async () => 2)).toBe(2);
    expect(await cache.remember('b', 'x', async () => 2)).toBe(2);
  });

  it('inside a transaction, bumps once it has committed, not before', async () => {
    const transactions = new FakeTransactions();
    const cache = cacheWith({}, transactions);
    await cache.remember('a', 'x', async () => 'old');
    await transactions.run(async () => {
      await cache.changed(['a']);
      await cache.changed(['a', 'b']);
      expect(await cache.remember('a', 'x', async () => 'new')).toBe('old');
    });
    expect(await cache.remember('a', 'x', async () => 'new')).toBe('new');
  });

  it('keeps nothing for null, nothing past expiresAt, and values as JSON', async () => {
    const cache = cacheWith();
    expect(await cache.remember('a', 'none', async () => null)).toBeNull();
    expect(await cache.remember('a', 'none', async () => 'found')).toBe('found');
    const soon = () => new Date(Date.now() + 500);
    await cache.remember('a', 'brief', async () => 1, soon);
    expect(await cache.remember('a', 'brief', async () => 2)).toBe(2);
    const at = new Date('2026-01-01T00:00:00Z');
    await cache.remember('a', 'dated', async () => ({ at }));
    expect(await cache.remember('a', 'dated', async () => ({ at }))).toEqual({ at: at.toISOString() });
  });

  it('switched off, always loads', async () => {
    const cache = cacheWith({ store: 'off' });
    const load = jest.fn().mockResolvedValue(1);
    await cache.remember('a', 'x', load);
    await cache.remember('a', 'x', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.enabled).toBe(false);
  });

  it('reads the database when Redis cannot be reached', async () => {
    const config = {
      cache: { store: 'redis', ttlSeconds: 60, maxEntries: 100, redisKeyPrefix: 'unused:' },
      redis: { url: 'redis://127.0.0.1:1' },
    } as AppConfig;
    const connection = new RedisConnection(config);
    const cache = new Cache(config, connection, new FakeTransactions() as unknown as Transactions);
    await connection.onModuleInit();
    const load = jest.fn().mockResolvedValue('fresh');
    expect(await cache.remember('a', 'x', load)).toBe('fresh');
    expect(await cache.remember('a', 'x', load)).toBe('fresh');
    await cache.changed(['a']);
    expect(load).toHaveBeenCalledTimes(2);
    await connection.onApplicationShutdown();
  });
});

describe('MemoryStore', () => {
  it('keeps at most maxEntries values, dropping the least recently read', async () => {
    const store = new MemoryStore(2);
    const { generation } = await store.lookup('a', 'x');
    await store.put('a', generation, 'x', '1', 60);
    await store.put('a', generation, 'y', '2', 60);
    await store.lookup('a', 'x'); // x is now the most recently read
    await store.put('a', generation, 'z', '3', 60);
    expect(store.size).toBe(2);
    expect((await store.lookup('a', 'x')).value).toBe('1');
    expect((await store.lookup('a', 'y')).value).toBeUndefined();
  });

  it('never hands out a generation twice, even to a user whose generation was evicted', async () => {
    const store = new MemoryStore(1);
    const first = (await store.lookup('a', 'x')).generation;
    await store.lookup('b', 'x'); // evicts a's generation
    const again = (await store.lookup('a', 'x')).generation;
    expect(again).not.toBe(first);
  });
});
