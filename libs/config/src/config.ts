import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EnvReader, RateBudget } from './env-reader';

export type { RateBudget } from './env-reader';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  app: { name: string; version: string };
  http: {
    host: string;
    port: number;
    /** Origins allowed by CORS; `['*']` allows any, `[]` sends no CORS headers. */
    corsOrigins: string[];
    /** Trust X-Forwarded-For from any proxy (true), from the proxies listed (addresses, CIDR ranges), or none. */
    trustProxy: boolean | string[];
    /** The web app's build (index.html and assets/), served at `/`; absent: the API alone. */
    webDir: string;
    /** Slow clients are cut off: each limit in seconds (see README, "Slow clients"). */
    timeouts: HttpTimeouts;
    /** Open connections allowed from one client address; 0 allows any number. */
    maxConnectionsPerIp: number;
  };
  /** Absolute directory for everything the embedded mode keeps: the database, generated secrets. */
  dataDir: string;
  database: {
    /**
     * A PostgreSQL URL, or undefined for the embedded PostgreSQL (PGlite) under `dataDir` (unless `secret` is set).
     */
    url: string | undefined;
    /**
     * Instead of a URL: the Secrets Manager secret holding the connection (an RDS credentials secret's JSON), read
     * again when the password may have been rotated, and how TLS to that server is checked.
     */
    secret: DatabaseSecretConfig | undefined;
    poolSize: number;
    migrateOnStart: boolean;
    /**
     * Leave JIT compilation as the server has it; false (the default) turns it off for the API's sessions,
     * through the connection's startup options (which some poolers, such as PgBouncer, refuse).
     */
    jit: boolean;
    /**
     * How long a request waits for a connection, new or from the pool, before it is answered 503: bounded when
     * the server is unreachable. 0 waits for ever (the embedded database, whose one connection is a queue).
     */
    connectTimeoutMs: number;
  };
  auth: {
    jwtSecret: string;
    jwtTtlSeconds: number;
    bcryptCost: number;
    /** Worker threads that hash and compare passwords (off the event loop); more tasks wait for one. */
    bcryptThreads: number;
    lambdaSecret: string;
  };
  quota: { defaultBytes: number };
  storage: StorageConfig;
  drive: {
    /** How long a pending upload is kept after its URL expired, for bytes still in flight. */
    uploadGraceSeconds: number;
    trashRetentionDays: number;
    /** The most versions kept per file (beyond it the oldest go); 0 keeps any number. */
    versionsMaxCount: number;
    /** Days a version is kept after it stopped being current; 0 keeps it for ever. */
    versionsMaxDays: number;
    /** How often the reconciler settles pending uploads and purges the trash; 0 turns it off. */
    reconcileIntervalSeconds: number;
    /** The most items (the folder itself, its subfolders and files) one folder is copied with. */
    copyMaxItems: number;
  };
  /** The change log, its feed (GET /changes) and its event streams (GET /events). */
  changes: {
    /** Hours a change is kept: a cursor older than that is expired (410). */
    retentionHours: number;
    /** A comment is sent on an idle stream this often, so that proxies (an ALB's idle timeout) keep it. */
    heartbeatSeconds: number;
    /** How long a ticket to open a stream is valid (it is used once). */
    ticketTtlSeconds: number;
    /** A stream is closed after this, so that it never outlives its login for long; the client reconnects. */
    streamMaxSeconds: number;
  };
  workers: {
    /** Where the workers reach the API's internal endpoints. */
    apiUrl: string;
    /** Run the workers inside the API process (on a thread), fed by the local store's announcements. */
    embedded: boolean;
    /** The self-hosted workers' HTTP receiver of bucket notifications (`npm run start:workers`). */
    receiver: { port: number; token: string | undefined };
    /**
     * The most one call to the API may take, its retries and their waits included: on Lambda it must fit in the
     * function's timeout (the invocation's remaining time bounds it as well).
     */
    apiRetryBudgetMs: number;
  };
  /** Shared services; unset ones are replaced by in-process equivalents. */
  redis: { url: string | undefined };
  rateLimits: RateLimitsConfig;
  cache: CacheConfig;
  log: { level: LogLevel };
  /** Things worth telling the operator once the logger is up (e.g. that secrets were generated). */
  notices: string[];
}

export interface HttpTimeouts {
  /** The request line and headers must have arrived within this, from the request's first byte. */
  headersSeconds: number;
  /** A body (JSON, a form) must have arrived whole within this after its headers; not an upload to the embedded store. */
  bodySeconds: number;
  /** A connection on which no byte moves either way for this long is closed, mid-upload too. */
  idleSeconds: number;
  /** An idle kept-alive connection between two requests is closed after this. */
  keepAliveSeconds: number;
}

export const CACHE_STORES = ['redis', 'memory', 'off'] as const;
export type CacheStoreKind = (typeof CACHE_STORES)[number];

/** The cache of reads (identities, listings). */
export interface CacheConfig {
  /**
   * `redis` (the default with REDIS_URL): shared by every replica. `memory` (the default in the embedded mode): this
   * process's, right only while it is the one process writing to its database. `off` (the default on a PostgreSQL
   * server without Redis, where replicas could not tell each other what changed): every read goes to the database.
   */
  store: CacheStoreKind;
  /** The longest a cached value is kept: a bound on what a lost invalidation could cost, not the way it is fresh. */
  ttlSeconds: number;
  /** Entries kept in memory at most (the in-process cache only), the least recently read dropped first. */
  maxEntries: number;
  /** Prefixes every Redis key of the cache. */
  redisKeyPrefix: string;
}

/** Request budgets, counted per client IP (IPv6 per /64) unless said otherwise, in fixed windows. */
export interface RateLimitsConfig {
  /** false: no budget at all (the benchmark). */
  enabled: boolean;
  /** Prefixes every Redis key of the counters (one Redis may serve several deployments, or test runs). */
  redisKeyPrefix: string;
  /** Every API route but /health, and the embedded store's routes. */
  api: RateBudget;
  /** The embedded store's presigned PUT and GET (/storage/…). */
  storage: RateBudget;
  /** POST /login attempts, failed or not. */
  login: RateBudget;
  /** POST /login attempts per account (or unknown login name); a successful one gives its point back. */
  loginPerAccount: RateBudget;
  /** POST /user. */
  register: RateBudget;
  /** POST /file, POST /files, POST /profile-photo. */
  upload: RateBudget;
}

/** The libpq `sslmode` values the secret's connection supports: no TLS, TLS unverified, TLS verified. */
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

export interface DatabaseSecretConfig {
  /** ARN (or name) of the secret: JSON with host, port, dbname, username and password. */
  arn: string;
  sslMode: DatabaseSslMode;
  /** A PEM file of the CAs that verify-full trusts; unset: Node's own. */
  sslRootCert: string | undefined;
}

export interface S3Config {
  bucket: string;
  region: string;
  /** For MinIO, R2, Ceph…; unset for AWS. */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default chain (environment, instance or task role, SSO…). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export interface StorageConfig {
  /** `s3` when S3_BUCKET is set, else `local` (objects on disk under DATA_DIR, served by the API). */
  driver: 's3' | 'local';
  s3: S3Config | undefined;
  /** The API's address as clients reach it: the base of the local store's presigned URLs. */
  publicUrl: string;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  /**
   * Preview URLs are signed at the start of a window this long (0: at each request), so that every request in it
   * gets the same URL and a browser keeps the thumbnail; each lives the window plus the download TTL.
   */
  previewUrlWindowSeconds: number;
  maxUploadBytes: number;
  /** The largest folder downloaded as a zip: its files' bytes in all, and its entries (files and folders). */
  archiveMaxBytes: number;
  archiveMaxEntries: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const SECRET_MIN_LENGTH = 32;
const GIB = 1024 ** 3;

/**
 * Builds the API's configuration from an environment (process.env by default) and validates it (the standalone
 * workers have their own: loadWorkersConfig). Throws a ConfigError naming every wrong variable. In embedded mode (no DATABASE_URL), missing
 * secrets are generated once and kept in `DATA_DIR/secrets.json` so tokens survive a restart.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const read = new EnvReader(env);
  const dataDir = resolve(read.string('DATA_DIR', './data'));
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseSecret = databaseSecretConfig(read);
  const embedded = read.raw('DATABASE_URL') === undefined && databaseSecret === undefined;

  let jwtSecret = read.secret('JWT_SECRET', SECRET_MIN_LENGTH);
  let lambdaSecret = read.secret('LAMBDA_SECRET', SECRET_MIN_LENGTH);
  const notices: string[] = [];
  if (!embedded) {
    const when = databaseSecret ? 'when DATABASE_SECRET_ARN is set' : 'when DATABASE_URL is set';
    if (read.raw('JWT_SECRET') === undefined) read.require('JWT_SECRET', when);
    if (read.raw('LAMBDA_SECRET') === undefined) read.require('LAMBDA_SECRET', when);
  }

  const port = read.int('PORT', 8080, 0, 65535);
  const trustProxy = read.proxies('TRUST_PROXY', false);
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  const config: AppConfig = {
    app: appIdentity(),
    http: {
      host: read.string('HOST', '0.0.0.0'),
      port,
      corsOrigins: read.list('CORS_ORIGINS'),
      trustProxy,
      webDir: resolve(read.string('WEB_DIR', 'apps/web/dist')),
      timeouts: {
        headersSeconds: read.int('HTTP_HEADERS_TIMEOUT_SECONDS', 20, 1, 600),
        bodySeconds: read.int('HTTP_BODY_TIMEOUT_SECONDS', 30, 1, 3600),
        idleSeconds: read.int('HTTP_IDLE_TIMEOUT_SECONDS', 30, 1, 3600),
        // Longer than a load balancer's idle timeout (60 s on AWS), or it may reuse a connection being closed.
        keepAliveSeconds: read.int('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 65, 1, 3600),
      },
      // Behind a proxy every connection comes from the proxy: there the cap would throttle everyone together.
      maxConnectionsPerIp: read.int('HTTP_MAX_CONNECTIONS_PER_IP', trustProxy === false ? 64 : 0, 0, 1_000_000),
    },
    dataDir,
    database: {
      url: databaseUrl,
      secret: databaseSecret,
      poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
      migrateOnStart: read.bool('DATABASE_MIGRATE_ON_START', true),
      jit: read.bool('DATABASE_JIT', false),
      connectTimeoutMs: read.int('DATABASE_WAIT_SECONDS', 5, 0, 600) * 1000,
    },
    auth: {
      jwtSecret: '',
      jwtTtlSeconds: read.int('JWT_TTL_SECONDS', 30 * 60, 60, 7 * 24 * 3600),
      bcryptCost: read.int('BCRYPT_COST', 12, 4, 15),
      // One core left to the event loop (and PostgreSQL, in the embedded mode).
      bcryptThreads: read.int('BCRYPT_THREADS', Math.max(1, availableParallelism() - 1), 1, 64),
      lambdaSecret: '',
    },
    quota: { defaultBytes: read.int('USER_QUOTA_BYTES', 5 * GIB, 0, Number.MAX_SAFE_INTEGER) },
    storage: storageConfig(read, port),
    drive: {
      uploadGraceSeconds: read.int('UPLOAD_GRACE_SECONDS', 600, 0, 7 * 24 * 3600),
      trashRetentionDays: read.int('TRASH_RETENTION_DAYS', 30, 1, 3650),
      versionsMaxCount: read.int('VERSIONS_MAX_COUNT', 50, 0, 10_000),
      versionsMaxDays: read.int('VERSIONS_MAX_DAYS', 0, 0, 36_500),
      reconcileIntervalSeconds: read.int('RECONCILE_INTERVAL_SECONDS', 60, 0, 24 * 3600),
      copyMaxItems: read.int('COPY_MAX_ITEMS', 1000, 1, 100_000),
    },
    changes: {
      retentionHours: read.int('CHANGES_RETENTION_HOURS', 7 * 24, 1, 365 * 24),
      heartbeatSeconds: read.int('EVENTS_HEARTBEAT_SECONDS', 15, 1, 3600),
      ticketTtlSeconds: read.int('EVENTS_TICKET_TTL_SECONDS', 60, 5, 3600),
      streamMaxSeconds: read.int('EVENTS_STREAM_MAX_SECONDS', 15 * 60, 10, 24 * 3600),
    },
    workers: {
      apiUrl: (read.url('API_URL', ['http:', 'https:']) ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
      embedded: read.bool('EMBEDDED_WORKERS', read.raw('S3_BUCKET') === undefined),
      receiver: { port: read.int('WORKERS_PORT', 8081, 0, 65535), token: read.secret('WORKERS_TOKEN', 16) },
      apiRetryBudgetMs: read.int('API_RETRY_BUDGET_MS', 20_000, 1_000, 15 * 60_000),
    },
    redis: { url: redisUrl },
    rateLimits: rateLimitsConfig(read),
    cache: {
      store: read.oneOf('CACHE_STORE', CACHE_STORES, redisUrl ? 'redis' : embedded ? 'memory' : 'off'),
      ttlSeconds: read.int('CACHE_TTL_SECONDS', 60, 1, 3600),
      maxEntries: read.int('CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
      redisKeyPrefix: read.string('CACHE_REDIS_PREFIX', 'clouddrive:cache:'),
    },
    log: { level: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info') },
    notices,
  };
  if (config.cache.store === 'redis' && !redisUrl) read.problems.push('CACHE_STORE=redis needs REDIS_URL');
  if (read.problems.length > 0) throw new ConfigError(read.problems);

  if (embedded) {
    const needed = (['JWT_SECRET', 'LAMBDA_SECRET'] as const).filter((name) => read.raw(name) === undefined);
    const kept = needed.length > 0 ? keptSecrets(dataDir, needed, notices) : {};
    jwtSecret ??= kept.JWT_SECRET;
    lambdaSecret ??= kept.LAMBDA_SECRET;
  }
  config.auth.jwtSecret = jwtSecret!;
  config.auth.lambdaSecret = lambdaSecret!;
  return config;
}

/**
 * The defaults fit a browser client: a page of 100 uploads is 1 POST /files (api, upload) and 100 PUTs (storage),
 * and showing 100 previews is 100 API requests and 100 GETs of the store; the login and registration budgets are
 * what a person needs, far below what guessing passwords needs.
 */
function rateLimitsConfig(read: EnvReader): RateLimitsConfig {
  return {
    enabled: read.bool('RATE_LIMITS_ENABLED', true),
    redisKeyPrefix: read.string('RATE_LIMIT_REDIS_PREFIX', 'clouddrive:rate:'),
    api: read.budget('RATE_LIMIT_API', { points: 1200, windowSeconds: 60 }),
    storage: read.budget('RATE_LIMIT_STORAGE', { points: 3000, windowSeconds: 60 }),
    login: read.budget('RATE_LIMIT_LOGIN', { points: 10, windowSeconds: 60 }),
    loginPerAccount: read.budget('RATE_LIMIT_LOGIN_ACCOUNT', { points: 5, windowSeconds: 60 }),
    register: read.budget('RATE_LIMIT_REGISTER', { points: 10, windowSeconds: 3600 }),
    upload: read.budget('RATE_LIMIT_UPLOAD', { points: 120, windowSeconds: 60 }),
  };
}

/**
 * DATABASE_SECRET_ARN and its TLS settings (which a URL would carry as sslmode and sslrootcert). The URL and the
 * secret exclude each other: which one the API used would otherwise be a guess.
 */
function databaseSecretConfig(read: EnvReader): DatabaseSecretConfig | undefined {
  const arn = read.raw('DATABASE_SECRET_ARN');
  const sslMode = read.oneOf('DATABASE_SSL_MODE', DATABASE_SSL_MODES, 'verify-full');
  const sslRootCert = read.raw('DATABASE_SSL_ROOT_CERT');
  if (arn === undefined) {
    for (const name of ['DATABASE_SSL_MODE', 'DATABASE_SSL_ROOT_CERT']) {
      if (read.raw(name) !== undefined) read.require('DATABASE_SECRET_ARN', `for ${name} (a URL has its own sslmode)`);
    }
    return undefined;
  }
  if (read.raw('DATABASE_URL') !== undefined) {
    read.problems.push('DATABASE_URL and DATABASE_SECRET_ARN exclude each other: set one');
  }
  if (sslRootCert !== undefined && sslMode !== 'verify-full') {
    read.problems.push('DATABASE_SSL_ROOT_CERT needs DATABASE_SSL_MODE=verify-full (nothing else checks a CA)');
  }
  return { arn, sslMode, sslRootCert };
}

export function storageConfig(read: EnvReader, port: number): StorageConfig {
  const bucket = read.raw('S3_BUCKET');
  const accessKeyId = read.raw('S3_ACCESS_KEY_ID');
  const secretAccessKey = read.raw('S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    read.require(accessKeyId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'together with its pair');
  }
  return {
    driver: bucket ? 's3' : 'local',
    s3: bucket
      ? {
          bucket,
          // On Lambda and ECS, AWS_REGION is the region the code runs in.
          region: read.string('S3_REGION', read.string('AWS_REGION', 'us-east-1')),
          endpoint: read.url('S3_ENDPOINT', ['http:', 'https:']),
          forcePathStyle: read.bool('S3_FORCE_PATH_STYLE', false),
          credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
        }
      : undefined,
    publicUrl: (read.url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    uploadUrlTtlSeconds: read.int('UPLOAD_URL_TTL_SECONDS', 15 * 60, 60, 7 * 24 * 3600),
    // A URL handed out stays good for its lifetime, even after a revoke or a trash: keep that window short.
    downloadUrlTtlSeconds: read.int('DOWNLOAD_URL_TTL_SECONDS', 60, 10, 7 * 24 * 3600),
    // Likewise, a thumbnail stays reachable through its URL up to this plus the TTL: a trade of revocation for caching.
    previewUrlWindowSeconds: read.int('PREVIEW_URL_WINDOW_SECONDS', 900, 0, 24 * 3600),
    maxUploadBytes: read.int('MAX_UPLOAD_BYTES', 5 * GIB, 1, 5 * GIB),
    archiveMaxBytes: read.int('ARCHIVE_MAX_BYTES', 10 * GIB, 1, 1024 * GIB),
    archiveMaxEntries: read.int('ARCHIVE_MAX_ENTRIES', 10_000, 1, 100_000),
  };
}

type SecretName = 'JWT_SECRET' | 'LAMBDA_SECRET';

/**
 * The secrets kept under the data directory, generating (and keeping) those of `needed` that are missing.
 * A file that cannot be read as secrets stops start-up: overwriting it would invalidate every token issued.
 */
function keptSecrets(dataDir: string, needed: SecretName[], notices: string[]): Partial<Record<SecretName, string>> {
  const file = join(dataDir, 'secrets.json');
  let parsed: unknown = {};
  if (existsSync(file)) {
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      parsed = undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${file} is not a JSON object of secrets: repair it, or remove it to generate new ones`]);
  }
  const kept = parsed as Partial<Record<SecretName, string>>;
  const missing = needed.filter((name) => typeof kept[name] !== 'string' || kept[name].length < SECRET_MIN_LENGTH);
  if (missing.length === 0) return kept;

  for (const name of missing) kept[name] = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(kept, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  notices.push(
    `Generated ${missing.join(' and ')} and kept them in ${file}: set them in the environment for a real deployment.`,
  );
  return kept;
}

/** The program's name and version (both programs report them). */
export function appIdentity(): AppConfig['app'] {
  return { name: 'CloudDrive', version: packageVersion() };
}

/** The version in the nearest package.json above this file, so it is right from source and from dist. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) return '0.0.0';
  }
}
