import { Client, DatabaseError, Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig, DatabaseSecretConfig } from '@app/config';
import {
  DATABASE_SECRET_MAX_AGE_MS,
  DatabaseSecretError,
  INVALID_PASSWORD,
  dataSourceOptions,
  runMigrations,
  secretConnection,
} from '@app/db';
import { PostgresCluster } from '@app/testing';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/db-AbCdEf';
const ROLE = 'drive_app';

/**
 * DATABASE_SECRET_ARN end to end against a real PostgreSQL that checks passwords: the API's own data source
 * (pool, password function, migrations) over a role whose password is changed as Secrets Manager's rotation
 * changes it (ALTER ROLE, then the secret's new value). Only the secret's reader is the test's: it answers with
 * the "current" secret JSON, as GetSecretValue would.
 */
describe('a data source on DATABASE_SECRET_ARN across rotations of the password', () => {
  let server: PostgresCluster;
  let admin: Client;
  let dataSource: DataSource;
  let pool: Pool;
  const secret = { password: 'first-Password-1' };
  const clock = { now: 1_000_000 };
  const fetchSecret = jest.fn(async (secretId: string) => {
    expect(secretId).toBe(ARN);
    return JSON.stringify({
      engine: 'postgres',
      host: server.host,
      port: server.port,
      username: ROLE,
      password: secret.password,
      dbname: 'drive',
    });
  });
  const secretConfig: DatabaseSecretConfig = { arn: ARN, sslMode: 'disable', sslRootCert: undefined };
  const database: AppConfig['database'] = {
    url: undefined,
    secret: secretConfig,
    poolSize: 4,
    migrateOnStart: true,
    jit: false,
    connectTimeoutMs: 5000,
  };

  /** What the server says about `password` for the role, from a plain client. */
  const tryPassword = async (password: string) => {
    const client = new Client({ host: server.host, port: server.port, user: ROLE, database: 'drive', password });
    try {
      await client.connect();
      return 'accepted';
    } catch (error) {
      return (error as DatabaseError).code;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  /** Sessions a test holds, released after it even when it fails (the pool's end waits for them). */
  const held: PoolClient[] = [];
  /** A session the pool opens now: the idle ones are closed first, so it is a new connection. */
  const newSession = async (): Promise<PoolClient> => {
    while (pool.idleCount > 0) (await pool.connect()).release(true);
    const session = await pool.connect();
    held.push(session);
    return session;
  };
  const rotate = async (password: string) => {
    // The rotation function's order: the role's password first (setSecret), then the secret's value (finishSecret).
    await admin.query(`ALTER ROLE ${ROLE} PASSWORD '${password}'`);
    secret.password = password;
  };

  beforeAll(async () => {
    server = await PostgresCluster.create({ passwords: true });
    admin = await server.admin();
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${secret.password}'`);
    await admin.query(`CREATE DATABASE drive OWNER ${ROLE}`);
    const connection = await secretConnection(secretConfig, { fetchSecret, now: () => clock.now });
    dataSource = await new DataSource(dataSourceOptions(connection, database)).initialize();
    pool = (dataSource.driver as PostgresDriver).master as Pool;
  }, 120_000);

  afterEach(() => {
    for (const session of held.splice(0)) session.release();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await admin?.end();
    await server?.destroy();
  });

  it('runs against a server that checks passwords (a wrong one is refused with 28P01)', async () => {
    expect(await tryPassword(secret.password)).toBe('accepted');
    expect(await tryPassword('not-the-password')).toBe(INVALID_PASSWORD);
  });

  it('connects with the secret’s host, port, database and user, migrates, and turns JIT off', async () => {
    expect(await runMigrations(dataSource)).toHaveLength(dataSource.migrations.length);
    const [session] = await dataSource.query('SELECT current_user, current_database(), current_setting($1) AS jit', [
      'jit',
    ]);
    expect(session).toEqual({ current_user: ROLE, current_database: 'drive', jit: 'off' });
    await dataSource.query('SELECT count(*) FROM users');
  });

  it('after a rotation: open sessions keep working; the one new connection refused reads the secret again, the next connects', async () => {
    const before = await newSession();
    const reads = fetchSecret.mock.calls.length;
    await rotate('second-Password-2');
    expect(await tryPassword('first-Password-1')).toBe(INVALID_PASSWORD);

    // PostgreSQL checks a password when a session starts only.
    expect((await before.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    // The cached password is minutes from its maximum age: the server refuses it once…
    await expect(newSession()).rejects.toMatchObject({ code: INVALID_PASSWORD });
    expect(fetchSecret.mock.calls.length).toBe(reads);
    // …and that refusal makes the next connection read the secret: the new password.
    const after = await newSession();
    expect((await after.query('SELECT current_user AS role')).rows).toEqual([{ role: ROLE }]);
    expect(fetchSecret.mock.calls.length).toBe(reads + 1);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 0 }]);
  });

  it('after a rotation: once the password is minutes old, new connections read the secret first and never fail', async () => {
    const before = await newSession();
    const reads = fetchSecret.mock.calls.length;
    await rotate('third-Password-3');
    clock.now += DATABASE_SECRET_MAX_AGE_MS;

    const sessions = [await newSession(), await newSession()];
    for (const session of sessions) expect((await session.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(fetchSecret.mock.calls.length).toBe(reads + 1);
    expect((await before.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await dataSource.query('SELECT count(*) FROM items');
  });

  it('asks for TLS as configured: verify-full against this server (which has none) is refused, not sent in clear', async () => {
    const connection = await secretConnection({ ...secretConfig, sslMode: 'verify-full' }, { fetchSecret });
    const attempt = new DataSource(dataSourceOptions(connection, { ...database, poolSize: 1 }));
    await expect(attempt.initialize()).rejects.toThrow(/does not support SSL/);
  });

  it('stops start-up with an error naming the secret when it cannot be read', async () => {
    const denied = jest.fn().mockRejectedValue(new Error('AccessDeniedException'));
    const failure = secretConnection(secretConfig, { fetchSecret: denied });
    await expect(failure).rejects.toBeInstanceOf(DatabaseSecretError);
    await expect(failure).rejects.toThrow(`Could not read the database secret ${ARN}: AccessDeniedException`);
  });
});
