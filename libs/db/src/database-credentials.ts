import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { SecretFetcher, readSecretString } from '@app/config';

/** What a connection needs from an RDS credentials secret (its JSON also has engine, dbInstanceIdentifier…). */
export interface DatabaseSecret {
  host: string;
  port: number;
  /** The secret's dbname; absent, the user name (libpq's default database). */
  dbname: string;
  username: string;
  password: string;
}

/** The database secret could not be read or is not an RDS credentials secret; the message names the secret. */
export class DatabaseSecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseSecretError';
  }
}

/** How long a password read from the secret serves new connections before the secret is read again. */
export const DATABASE_SECRET_MAX_AGE_MS = 5 * 60_000;

/** PostgreSQL's invalid_password: the password a new connection gave is not (or no longer) the role's. */
export const INVALID_PASSWORD = '28P01';

export function parseDatabaseSecret(secretId: string, text: string): DatabaseSecret {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DatabaseSecretError(`The database secret ${secretId} is not JSON (an RDS credentials secret is)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatabaseSecretError(`The database secret ${secretId} is not a JSON object`);
  }
  const fields = value as Record<string, unknown>;
  const problems: string[] = [];
  const stringField = (name: string, required: boolean): string | undefined => {
    const field = fields[name];
    if (typeof field === 'string' && field !== '') return field;
    if (required || field !== undefined) problems.push(`${name} must be a non-empty string`);
    return undefined;
  };
  const host = stringField('host', true);
  const username = stringField('username', true);
  const password = stringField('password', true);
  const dbname = stringField('dbname', false);
  const port = typeof fields.port === 'string' && /^\d+$/.test(fields.port) ? Number(fields.port) : fields.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push('port must be a port number');
  }
  if (problems.length > 0) {
    throw new DatabaseSecretError(`The database secret ${secretId}: ${problems.join('; ')}`);
  }
  return { host: host!, port: port as number, dbname: dbname ?? username!, username: username!, password: password! };
}

export interface DatabaseCredentialsOptions {
  /** Reads the secret's string (Secrets Manager by default; tests give their own). */
  fetchSecret?: SecretFetcher;
  maxAgeMs?: number;
  /** The clock, in milliseconds. */
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The credentials of DATABASE_SECRET_ARN, for a pool whose password is a function: the password read last serves
 * new connections for a few minutes, then the secret is read again, and at once after a connection was refused
 * its password (after a rotation). Concurrent callers share one read. Sessions already open are not affected by
 * a rotation: PostgreSQL checks a password only when a session starts.
 */
export class DatabaseCredentials {
  private cached?: { secret: DatabaseSecret; readAt: number };
  private refused = false;
  private reading?: Promise<DatabaseSecret>;
  private readonly fetchSecret: SecretFetcher;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly logger: Pick<Logger, 'warn'>;

  constructor(
    readonly secretId: string,
    options: DatabaseCredentialsOptions = {},
  ) {
    this.fetchSecret = options.fetchSecret ?? readSecretString;
    this.maxAgeMs = options.maxAgeMs ?? DATABASE_SECRET_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? new Logger('Database');
  }

  /** The secret: cached, or read again when older than the maximum age or after a refused password. */
  async current(): Promise<DatabaseSecret> {
    const cached = this.cached;
    if (cached && !this.refused && this.now() - cached.readAt < this.maxAgeMs) return cached.secret;
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    try {
      return await this.reading;
    } catch (error) {
      // Read again for age alone: the password in hand has not been refused, so it serves until the secret
      // can be read (a Secrets Manager outage does not stop new connections).
      if (cached && !this.refused) {
        this.logger.warn(`${(error as Error).message}; the password read before serves meanwhile`);
        return cached.secret;
      }
      throw error;
    }
  }

  /** The password for a new connection (node-postgres's `password` function). */
  async password(): Promise<string> {
    return (await this.current()).password;
  }

  /** A connection was refused its password (28P01): the next one reads the secret again. */
  passwordRefused(): void {
    this.refused = true;
  }

  private async read(): Promise<DatabaseSecret> {
    let text: string;
    try {
      text = await this.fetchSecret(this.secretId);
    } catch (error) {
      throw new DatabaseSecretError(
        `Could not read the database secret ${this.secretId}: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      );
    }
    const secret = parseDatabaseSecret(this.secretId, text);
    this.cached = { secret, readAt: this.now() };
    this.refused = false;
    return secret;
  }
}

type ConnectCallback = (error: Error | null | undefined) => void;

/**
 * node-postgres's Client, telling `credentials` when the server refuses the password (the pool's own `Client`
 * option: node-postgres reports a failed connection only to whoever asked for it).
 */
export function clientReportingRefusals(credentials: DatabaseCredentials): typeof Client {
  const refused = (error: unknown) => {
    if ((error as { code?: unknown } | null | undefined)?.code === INVALID_PASSWORD) credentials.passwordRefused();
  };
  class ReportingClient extends Client {
    override connect(): Promise<Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<Client> | void {
      if (!callback) {
        return super.connect().catch((error: unknown) => {
          refused(error);
          throw error;
        });
      }
      super.connect(((error: Error | null) => {
        refused(error);
        callback(error);
      }) as (error: Error) => void);
    }
  }
  return ReportingClient;
}
