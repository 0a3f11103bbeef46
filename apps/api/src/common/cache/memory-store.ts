import { CacheStore, Lookup } from './cache-store';

/** A map that keeps at most `max` entries, dropping the least recently read first (a Map keeps insertion order). */
class Lru<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The cache of one process (the embedded mode, or no REDIS_URL): bounded by entries, values and generations alike.
 * Generations come from one counter, so none is ever handed out twice: an evicted generation is made anew, higher.
 */
export class MemoryStore implements CacheStore {
  private counter = 0;
  private everyone = this.next();
  private readonly generations: Lru<string>;
  private readonly values: Lru<{ value: string; expiresAt: number }>;

  constructor(maxEntries: number) {
    this.generations = new Lru(maxEntries);
    this.values = new Lru(maxEntries);
  }

  async lookup(userId: string, name: string): Promise<Lookup> {
    let own = this.generations.get(userId);
    if (own === undefined) this.generations.set(userId, (own = this.next()));
    const generation = `${this.everyone}.${own}`;
    const kept = this.values.get(keyOf(userId, generation, name));
    return { generation, value: kept && kept.expiresAt > Date.now() ? kept.value : undefined };
  }

  async put(userId: string, generation: string, name: string, value: string, ttlSeconds: number): Promise<void> {
    this.values.set(keyOf(userId, generation, name), { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async bump(userIds: string[]): Promise<void> {
    for (const userId of userIds) this.generations.set(userId, this.next());
  }

  async bumpEveryone(): Promise<void> {
    this.everyone = this.next();
  }

  /** Values kept, expired ones included until they are dropped (for tests of the bound). */
  get size(): number {
    return this.values.size;
  }

  private next(): string {
    return String(++this.counter);
  }
}

function keyOf(userId: string, generation: string, name: string): string {
  return `${userId}:${generation}:${name}`;
}
