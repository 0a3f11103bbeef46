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
  /** A Redis server for the suites of shared rate limits; unset: those suites are not collected. */
  redisUrl: string | undefined;
}

export const EMBEDDED_TEST_URLS = 'CLOUDDRIVE_TEST_EMBEDDED_URLS';

export function readTestEnvironment(env: Record<string, string | undefined> = process.env): TestEnvironment {
  return {
    databaseUrl: env.TEST_DATABASE_URL?.trim() || undefined,
    embeddedUrls: (env[EMBEDDED_TEST_URLS] ?? '').split(' ').filter(Boolean),
    workerId: Number(env.JEST_WORKER_ID ?? '1'),
    redisUrl: env.TEST_REDIS_URL?.trim() || undefined,
  };
}

/** Hands the embedded servers' URLs to the jest workers (globalSetup's environment is inherited). */
export function publishEmbeddedTestUrls(urls: string[], env: Record<string, string | undefined> = process.env): void {
  env[EMBEDDED_TEST_URLS] = urls.join(' ');
}
