import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { AppConfig, DatabaseSecretConfig } from '@app/config';
import {
  DatabaseCredentials,
  DatabaseCredentialsOptions,
  DatabaseSecret,
  clientReportingRefusals,
} from './database-credentials';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './naming.strategy';

/**
 * A server reached through DATABASE_SECRET_ARN: where it is (the secret as read at start: an RDS instance does not
 * move), the credentials that give each new connection its password, and TLS as the configuration asks.
 */
export interface SecretConnection {
  endpoint: DatabaseSecret;
  credentials: DatabaseCredentials;
  ssl: TlsOptions | false;
}

/** What the pool connects with: a URL (DATABASE_URL, the embedded server's), or a secret. */
export type DatabaseConnection = string | SecretConnection;

/** The configured server's connection; undefined for the embedded one. */
export async function configuredConnection(database: AppConfig['database']): Promise<DatabaseConnection | undefined> {
  if (database.url) return database.url;
  return database.secret ? secretConnection(database.secret) : undefined;
}

/** Reads the secret once (a wrong or unreadable one stops start-up, naming it) and the CA bundle. */
export async function secretConnection(
  config: DatabaseSecretConfig,
  options: DatabaseCredentialsOptions = {},
): Promise<SecretConnection> {
  const credentials = new DatabaseCredentials(config.arn, options);
  return { endpoint: await credentials.current(), credentials, ssl: tlsOptions(config) };
}

/** sslmode as libpq means it: require encrypts without checking; verify-full checks the chain and the host name. */
function tlsOptions({ sslMode, sslRootCert }: DatabaseSecretConfig): TlsOptions | false {
  if (sslMode === 'disable') return false;
  if (sslMode === 'require') return { rejectUnauthorized: false };
  if (!sslRootCert) return { rejectUnauthorized: true };
  try {
    return { rejectUnauthorized: true, ca: readFileSync(sslRootCert, 'utf8') };
  } catch (error) {
    throw new Error(`DATABASE_SSL_ROOT_CERT: cannot read ${sslRootCert} (${(error as Error).message})`);
  }
}

/** The one TypeORM configuration, for the API, the CLI scripts and the tests alike. */
export function dataSourceOptions(connection: DatabaseConnection, database: AppConfig['database']): DataSourceOptions {
  return {
    type: 'postgres',
    ...(typeof connection === 'string'
      ? { url: database.jit ? connection : withoutJit(connection), extra: pool(database) }
      : secretConnectionOptions(connection, database)),
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
  };
}

/**
 * The pool: its size, and how long a request waits for a connection. A dead server fails a request in bounded time
 * (503); new connections are made on demand, so the first request after the server is back succeeds (the pool drops
 * the connections that broke).
 */
function pool(database: AppConfig['database']) {
  return { max: database.poolSize, connectionTimeoutMillis: database.connectTimeoutMs };
}

/**
 * Discrete options rather than a URL: node-postgres lets a URL's (empty) password override a password function.
 * The function is asked by each new connection, so connections opened after a rotation get the new password.
 */
function secretConnectionOptions({ endpoint, credentials, ssl }: SecretConnection, database: AppConfig['database']) {
  return {
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.dbname,
    username: endpoint.username,
    password: () => credentials.password(),
    ssl,
    extra: {
      ...pool(database),
      ...(database.jit ? {} : { options: JIT_OFF }),
      Client: clientReportingRefusals(credentials),
    },
  };
}

const JIT_OFF = '-c jit=off';

/**
 * The URL with JIT compilation turned off for its sessions (added to any startup `options` it has: the URL's
 * win over the driver's). JIT's compile time (~180 ms) goes to any statement the planner costs high, such as
 * the access walk over 1,000 items with its recursive estimate, and none of an API's short statements repays it.
 */
export function withoutJit(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  if (options?.includes('jit=')) return url;
  parsed.searchParams.set('options', options ? `${options} ${JIT_OFF}` : JIT_OFF);
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
