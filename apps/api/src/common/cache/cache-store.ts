/** What one look at the cache finds: the user's generation now, and the value kept under it, if any. */
export interface Lookup {
  generation: string;
  value: string | undefined;
}

/**
 * Where cached values and the users' generations live. A generation is a token that a bump replaces with one never
 * used before (a counter in memory, a random token in Redis), so a value kept under an old one is never found again,
 * even after its generation was evicted or expired and made anew. A user's generation is prefixed by everyone's,
 * which one bump moves for all.
 */
export interface CacheStore {
  /** The user's generation (made if there is none) and, in the same look, the value of `name` under it. */
  lookup(userId: string, name: string): Promise<Lookup>;
  /** Keeps `value` as `name` under `generation` for `ttlSeconds`. */
  put(userId: string, generation: string, name: string, value: string, ttlSeconds: number): Promise<void>;
  /** Gives each user a new generation. */
  bump(userIds: string[]): Promise<void>;
  /** Gives everyone a new generation. */
  bumpEveryone(): Promise<void>;
}
