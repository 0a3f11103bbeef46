import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { readTestEnvironment } from '@app/config';

export interface TestDatabase {
  /** A URL whose connections see only this database's own, fresh schema. */
  url: string;
  /** The configuration it needs: one connection on the embedded server (see EMBEDDED_POOL_SIZE). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty schema on the test server (TEST_DATABASE_URL, or this worker's embedded one), made the
 * connections' search_path: every test file gets its own, and nobody's data is touched.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const env = readTestEnvironment();
  const serverUrl = env.databaseUrl ?? env.embeddedUrls[(env.workerId - 1) % env.embeddedUrls.length];
  if (!serverUrl) throw new Error('No test database: set TEST_DATABASE_URL or run through jest (globalSetup).');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, async (client) => {
    await client.query(`CREATE SCHEMA "${schema}"`);
    // The embedded server is a single session shared by all its connections, which keeps the first
    // connection's startup options: set the path for the session (test files take turns on it).
    if (!env.databaseUrl) await client.query(`SET search_path TO "${schema}"`);
  });
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    // Its one connection is a queue, which a busy machine may make long: no connect timeout (as the embedded mode).
    env: env.databaseUrl ? {} : { DATABASE_POOL_SIZE: '1', DATABASE_WAIT_SECONDS: '0' },
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
}

/** Runs `use` with a `pg` client connected to `url`, and closes it. */
export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
