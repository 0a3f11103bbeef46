import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { AppConfig } from '@app/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './naming.strategy';

/** The one TypeORM configuration, for the API, the CLI scripts and the tests alike. */
export function dataSourceOptions(url: string, database: AppConfig['database']): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.jit ? url : withoutJit(url),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    // Migrations run under an advisory lock (runMigrations), never by TypeORM on its own, and the schema is never synchronised.
    migrationsRun: false,
    synchronize: false,
    migrationsTransactionMode: 'each',
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: 'clouddrive',
    // A dead server fails a request in bounded time (503); new connections are made on demand, so the first
    // request after the server is back succeeds (the pool drops the connections that broke).
    extra: { max: database.poolSize, connectionTimeoutMillis: database.connectTimeoutMs },
  };
}

/**
 * The URL with JIT compilation turned off for its sessions (added to any startup `options` it has: the URL's
 * win over the driver's). JIT's compile time (~180 ms) goes to any statement the planner costs high, such as
 * the access walk over 1,000 items with its recursive estimate, and none of an API's short statements repays it.
 */
export function withoutJit(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  if (options?.includes('jit=')) return url;
  parsed.searchParams.set('options', options ? `${options} -c jit=off` : '-c jit=off');
  return parsed.toString();
}

/** An arbitrary constant shared by every replica, so that only one of them migrates at a time. */
const MIGRATION_LOCK = 7_424_001;

/** Applies pending migrations, serialised across replicas that start together. Answers with their names. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  // One connection for the lock and the migrations: the embedded database has no other to give.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
