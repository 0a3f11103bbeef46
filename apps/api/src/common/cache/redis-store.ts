import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CacheStore, Lookup } from './cache-store';

/** A user's generation lives this long after it was last made; then a new one is made (its values are orphaned). */
const GENERATION_TTL_SECONDS = 24 * 3600;

/**
 * The generations (everyone's, then the user's, each made with a fresh token if missing) and the value under them,
 * in one round trip. The value's key is built from the generation read here, so the script reads a key it was not
 * given: fine on one Redis (or a primary with replicas), not on Redis Cluster.
 */
const LOOKUP = `
local everyone = redis.call('GET', KEYS[1])
if not everyone then everyone = ARGV[1]; redis.call('SET', KEYS[1], everyone) end
local own = redis.call('GET', KEYS[2])
if not own then own = ARGV[1]; redis.call('SET', KEYS[2], own, 'EX', ARGV[2]) end
local generation = everyone .. '.' .. own
return {generation, redis.call('GET', ARGV[3] .. generation .. ':' .. ARGV[4])}
`;

type LookupCommand = (
  everyoneKey: string,
  userKey: string,
  fresh: string,
  ttl: number,
  valuePrefix: string,
  name: string,
) => Promise<[string, string | null | undefined]>;

/**
 * The cache shared by every replica: generations are random tokens (a bump writes a new one), so one that expired
 * or was evicted is made anew without ever coming back to an old value.
 */
export class RedisStore implements CacheStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as { cacheLookup?: unknown }).cacheLookup) {
      redis.defineCommand('cacheLookup', { numberOfKeys: 2, lua: LOOKUP });
    }
  }

  async lookup(userId: string, name: string): Promise<Lookup> {
    const command = (this.redis as unknown as { cacheLookup: LookupCommand }).cacheLookup.bind(this.redis);
    const [generation, value] = await command(
      this.everyoneKey(),
      this.generationKey(userId),
      randomUUID(),
      GENERATION_TTL_SECONDS,
      this.valuePrefix(userId),
      name,
    );
    return { generation, value: value ?? undefined };
  }

  async put(userId: string, generation: string, name: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`${this.valuePrefix(userId)}${generation}:${name}`, value, 'EX', ttlSeconds);
  }

  async bump(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.set(this.generationKey(userId), randomUUID(), 'EX', GENERATION_TTL_SECONDS);
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }

  async bumpEveryone(): Promise<void> {
    await this.redis.set(this.everyoneKey(), randomUUID());
  }

  private everyoneKey(): string {
    return `${this.prefix}generation`;
  }

  private generationKey(userId: string): string {
    return `${this.prefix}generation:${userId}`;
  }

  private valuePrefix(userId: string): string {
    return `${this.prefix}value:${userId}:`;
  }
}
