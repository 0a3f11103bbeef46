import type { Config } from '@jest/types';
import { publishEmbeddedTestUrls, readTestEnvironment } from '../../libs/config/src';
import { EmbeddedPostgres } from '../../libs/db/src/embedded/embedded-postgres';

declare global {
  var embeddedTestServers: EmbeddedPostgres[] | undefined;
}

/**
 * Without TEST_DATABASE_URL, starts one in-memory embedded PostgreSQL per jest worker: PGlite is a single
 * session, so two test files must never share one. (It starts here, outside jest's module sandbox, where
 * PGlite's dynamic imports work.)
 */
export default async function globalSetup(config: Config.GlobalConfig): Promise<void> {
  if (readTestEnvironment().databaseUrl) return;
  const servers = Array.from(
    { length: Math.max(1, config.maxWorkers) },
    () => new EmbeddedPostgres({ maxConnections: 10 }),
  );
  globalThis.embeddedTestServers = servers;
  publishEmbeddedTestUrls(await Promise.all(servers.map((server) => server.start())));
}
