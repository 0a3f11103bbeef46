import {
  DATABASE_SECRET_MAX_AGE_MS,
  DatabaseCredentials,
  DatabaseSecretError,
  parseDatabaseSecret,
} from './database-credentials';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/db-AbCdEf';

/** An RDS credentials secret's JSON, as the stack's attachment fills it in. */
const secretJson = (password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    engine: 'postgres',
    host: 'db.abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    username: 'clouddrive',
    password,
    dbInstanceIdentifier: 'db',
    ...extra,
  });

describe('parseDatabaseSecret', () => {
  it('takes host, port, dbname, username and password; dbname defaults to the user name, as in libpq', () => {
    expect(parseDatabaseSecret(ARN, secretJson('p1', { dbname: 'drive' }))).toEqual({
      host: 'db.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      dbname: 'drive',
      username: 'clouddrive',
      password: 'p1',
    });
    expect(parseDatabaseSecret(ARN, secretJson('p1', { port: '6432' }))).toMatchObject({
      port: 6432,
      dbname: 'clouddrive',
    });
  });

  it('names the secret and every missing or wrong field, never the password', () => {
    const error = (text: string) => {
      try {
        parseDatabaseSecret(ARN, text);
      } catch (thrown) {
        expect(thrown).toBeInstanceOf(DatabaseSecretError);
        return (thrown as Error).message;
      }
      throw new Error('parsed');
    };
    expect(error('postgres://u:hunter2@h/db')).toBe(
      `The database secret ${ARN} is not JSON (an RDS credentials secret is)`,
    );
    expect(error('["hunter2"]')).toBe(`The database secret ${ARN} is not a JSON object`);
    const message = error(JSON.stringify({ password: 'hunter2', port: 70000, dbname: 3 }));
    expect(message).toBe(
      `The database secret ${ARN}: host must be a non-empty string; username must be a non-empty string; ` +
        'dbname must be a non-empty string; port must be a port number',
    );
    expect(message).not.toContain('hunter2');
  });
});

describe('DatabaseCredentials (the password function of a pool on DATABASE_SECRET_ARN)', () => {
  /** Credentials over a secret whose value the test changes, on a clock the test moves. */
  function setup() {
    const state = { password: 'first', clock: 1_000_000, failWith: undefined as Error | undefined };
    const fetchSecret = jest.fn(async (secretId: string) => {
      expect(secretId).toBe(ARN);
      if (state.failWith) throw state.failWith;
      return secretJson(state.password);
    });
    const logger = { warn: jest.fn() };
    const credentials = new DatabaseCredentials(ARN, { fetchSecret, now: () => state.clock, logger });
    return { state, fetchSecret, logger, credentials };
  }

  it('reads the secret once and serves its password from the cache while it is younger than the maximum age', async () => {
    const { state, fetchSecret, credentials } = setup();
    expect(await credentials.password()).toBe('first');
    state.password = 'second';
    state.clock += DATABASE_SECRET_MAX_AGE_MS - 1;
    expect(await credentials.password()).toBe('first');
    expect(fetchSecret).toHaveBeenCalledTimes(1);
  });

  it('reads it again once the cached password reaches the maximum age (a rotation is picked up)', async () => {
    const { state, fetchSecret, credentials } = setup();
    await credentials.password();
    state.password = 'second';
    state.clock += DATABASE_SECRET_MAX_AGE_MS;
    expect(await credentials.password()).toBe('second');
    expect(await credentials.password()).toBe('second');
    expect(fetchSecret).toHaveBeenCalledTimes(2);
  });

  it('reads it again at once after the server refused the password (28P01), then caches again', async () => {
    const { state, fetchSecret, credentials } = setup();
    await credentials.password();
    state.password = 'second';
    credentials.passwordRefused();
    expect(await credentials.password()).toBe('second');
    expect(await credentials.password()).toBe('second');
    expect(fetchSecret).toHaveBeenCalledTimes(2);
  });

  it('shares one read among the connections that ask at the same time', async () => {
    const { fetchSecret, credentials } = setup();
    expect(await Promise.all([credentials.password(), credentials.password(), credentials.current()])).toEqual([
      'first',
      'first',
      expect.objectContaining({ password: 'first' }),
    ]);
    expect(fetchSecret).toHaveBeenCalledTimes(1);
  });

  it('fails the first read with an error naming the secret and the cause', async () => {
    const { state, credentials } = setup();
    const cause = new Error('AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue');
    state.failWith = cause;
    const error = await credentials.password().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DatabaseSecretError);
    expect((error as Error).message).toBe(`Could not read the database secret ${ARN}: ${cause.message}`);
    expect((error as Error).cause).toBe(cause);
  });

  it('keeps serving a password not refused when a read for age fails, with a warning, and reads at the next call', async () => {
    const { state, fetchSecret, logger, credentials } = setup();
    await credentials.password();
    state.clock += DATABASE_SECRET_MAX_AGE_MS;
    state.failWith = new Error('connect ETIMEDOUT');
    expect(await credentials.password()).toBe('first');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining(`${ARN}: connect ETIMEDOUT`));
    state.failWith = undefined;
    state.password = 'second';
    expect(await credentials.password()).toBe('second');
    expect(fetchSecret).toHaveBeenCalledTimes(3);
  });

  it('does not serve a refused password when the secret cannot be read: the error is named', async () => {
    const { state, credentials } = setup();
    await credentials.password();
    credentials.passwordRefused();
    state.failWith = new Error('connect ETIMEDOUT');
    await expect(credentials.password()).rejects.toThrow(
      `Could not read the database secret ${ARN}: connect ETIMEDOUT`,
    );
  });

  it('does not cache a secret that is not an RDS credentials secret', async () => {
    const { fetchSecret, credentials } = setup();
    fetchSecret.mockResolvedValueOnce('not json');
    await expect(credentials.password()).rejects.toThrow(`The database secret ${ARN} is not JSON`);
    expect(await credentials.password()).toBe('first');
  });
});
