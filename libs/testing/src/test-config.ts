import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '@app/config';

const GENEROUS_RATE_LIMITS = Object.fromEntries(
  ['API', 'STORAGE', 'LOGIN', 'LOGIN_ACCOUNT', 'REGISTER', 'UPLOAD'].map((name) => [
    `RATE_LIMIT_${name}`,
    '1000000/60',
  ]),
);

/**
 * A configuration for tests: the given database, fresh secrets, a cheap bcrypt cost on one thread, rate limits too generous to reach, silent logs, a
 * temporary data directory, no embedded workers and no reconciler timer; `env` overrides any variable.
 */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'clouddrive-test-')),
    JWT_SECRET: randomBytes(32).toString('hex'),
    LAMBDA_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    // Tests that need them turn them on: the workers' thread and the reconciler's timer.
    EMBEDDED_WORKERS: 'false',
    RECONCILE_INTERVAL_SECONDS: '0',
    // A suite is one client making many connections at once (100 uploads in parallel): the suite of slow
    // clients sets a cap of its own.
    HTTP_MAX_CONNECTIONS_PER_IP: '0',
    // Budgets counted (the code runs) but never spent: every suite logs in and uploads a lot from 127.0.0.1.
    // The rate-limit suite sets its own.
    ...GENEROUS_RATE_LIMITS,
    BCRYPT_THREADS: '1',
    // The in-process cache, as in the embedded mode (one API per database): every suite reads through it, so a change
    // that forgot to invalidate it shows as a stale read. Two API instances on one database set another store.
    CACHE_STORE: 'memory',
    ...env,
  });
}
