/**
 * What the test suite reads from its environment, kept here so that the config lib stays the only reader
 * of process.env.
 */
export interface TestEnvironment {
  /** A PostgreSQL server to test against; unset means the embedded servers that jest's globalSetup starts. */
  databaseUrl: string | undefined;
  /** The embedded servers' URLs, one per jest worker. */
  embeddedUrls: string[];
  /** This jest worker's number, from 1. */
  workerId: number;
  /**
   * Where PostgreSQL's programs (initdb, pg_ctl) are, for the suites that start and stop a cluster of their
   * own; found by jest.config.js, which collects those suites only when it found them or TEST_FAULTS=1.
   */
  postgresBinDir: string | undefined;
  /** A Redis server for the suites of shared rate limits; unset: those suites are not collected. */
  redisUrl: string | undefined;
}

export const EMBEDDED_TEST_URLS = 'CLOUDDRIVE_TEST_EMBEDDED_URLS';
export const POSTGRES_BIN_DIR = 'CLOUDDRIVE_TEST_POSTGRES_BIN';

export function readTestEnvironment(env: Record<string, string | undefined> = process.env): TestEnvironment {
  return {
    databaseUrl: env.TEST_DATABASE_URL?.trim() || undefined,
    embeddedUrls: (env[EMBEDDED_TEST_URLS] ?? '').split(' ').filter(Boolean),
    workerId: Number(env.JEST_WORKER_ID ?? '1'),
    postgresBinDir: env[POSTGRES_BIN_DIR] || undefined,
    redisUrl: env.TEST_REDIS_URL?.trim() || undefined,
  };
}

/** Hands the embedded servers' URLs to the jest workers (globalSetup's environment is inherited). */
export function publishEmbeddedTestUrls(urls: string[], env: Record<string, string | undefined> = process.env): void {
  env[EMBEDDED_TEST_URLS] = urls.join(' ');
}

/** The fuzz suite's knobs (`npm run test:fuzz`). */
export interface FuzzSettings {
  /** The PRNG's seed: FUZZ_SEED, an unsigned 32-bit integer, or a fresh one for `random`. */
  seed: number;
  /** How many requests to send: FUZZ_REQUESTS. */
  requests: number;
}

export const FUZZ_DEFAULT_SEED = 20_261_128;
export const FUZZ_DEFAULT_REQUESTS = 10_000;

export function readFuzzSettings(env: Record<string, string | undefined> = process.env): FuzzSettings {
  const seedText = env.FUZZ_SEED?.trim() || String(FUZZ_DEFAULT_SEED);
  const seed = seedText === 'random' ? Math.floor(Math.random() * 2 ** 32) : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`FUZZ_SEED must be an integer from 0 to 4294967295, or "random" (got "${seedText}")`);
  }
  const requestsText = env.FUZZ_REQUESTS?.trim() || String(FUZZ_DEFAULT_REQUESTS);
  const requests = Number(requestsText);
  if (!Number.isInteger(requests) || requests < 1) {
    throw new Error(`FUZZ_REQUESTS must be a positive integer (got "${requestsText}")`);
  }
  return { seed, requests };
}
