import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './config';
import { loadWorkersConfig } from './workers-config';
import {
  EMBEDDED_TEST_URLS,
  POSTGRES_BIN_DIR,
  FUZZ_DEFAULT_REQUESTS,
  FUZZ_DEFAULT_SEED,
  publishEmbeddedTestUrls,
  readFuzzSettings,
  readTestEnvironment,
} from './test-environment';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const SERVER_URL = 'postgres://app:pa55word-in-url@db.internal:5432/clouddrive';

const tempDirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-config-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A configuration against a server, so that no secrets are generated, with `env` on top. */
const serverEnv = (env: Record<string, string> = {}) => ({
  DATA_DIR: tempDir(),
  DATABASE_URL: SERVER_URL,
  JWT_SECRET: SECRET_A,
  LAMBDA_SECRET: SECRET_B,
  ...env,
});

/** The ConfigError that loading `env` throws. */
function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const keptSecrets = (dataDir: string): Record<string, string> =>
  JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));

describe('loadConfig', () => {
  describe('with nothing set', () => {
    let dataDir: string;
    let config: AppConfig;
    beforeAll(() => {
      dataDir = tempDir();
      config = loadConfig({ DATA_DIR: dataDir });
    });

    it('caches in memory (one process: the embedded mode)', () => {
      expect(config.cache.store).toBe('memory');
    });

    it('uses the documented defaults', () => {
      expect(config.http).toEqual({
        host: '0.0.0.0',
        port: 8080,
        corsOrigins: [],
        trustProxy: false,
        webDir: join(process.cwd(), 'apps', 'web', 'dist'),
        timeouts: { headersSeconds: 20, bodySeconds: 30, idleSeconds: 30, keepAliveSeconds: 65 },
        maxConnectionsPerIp: 64,
      });
      expect(config.database).toEqual({
        url: undefined,
        secret: undefined,
        poolSize: 10,
        migrateOnStart: true,
        jit: false,
        connectTimeoutMs: 5000,
      });
      expect(config.auth.jwtTtlSeconds).toBe(1800);
      expect(config.auth.bcryptCost).toBe(12);
      expect(config.auth.bcryptThreads).toBe(Math.max(1, availableParallelism() - 1));
      expect(config.quota.defaultBytes).toBe(5368709120);
      expect(config.log.level).toBe('info');
      expect(config.storage.downloadUrlTtlSeconds).toBe(60);
      expect(config.dataDir).toBe(dataDir);
      expect(isAbsolute(config.dataDir)).toBe(true);
    });

    it('names the app and reads its version from package.json', () => {
      const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
      expect(config.app).toEqual({ name: 'CloudDrive', version });
    });
  });

  it('resolves a relative DATA_DIR to an absolute path', () => {
    const dir = tempDir();
    const config = loadConfig({
      DATA_DIR: relative(process.cwd(), dir),
      JWT_SECRET: SECRET_A,
      LAMBDA_SECRET: SECRET_B,
    });
    expect(config.dataDir).toBe(dir);
  });

  it('reads every variable that is set', () => {
    const config = loadConfig(
      serverEnv({
        HOST: '127.0.0.1',
        PORT: '3000',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        TRUST_PROXY: 'yes',
        HTTP_HEADERS_TIMEOUT_SECONDS: '5',
        HTTP_BODY_TIMEOUT_SECONDS: '6',
        HTTP_IDLE_TIMEOUT_SECONDS: '7',
        HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '8',
        HTTP_MAX_CONNECTIONS_PER_IP: '9',
        DATABASE_POOL_SIZE: '4',
        DATABASE_MIGRATE_ON_START: 'false',
        DATABASE_JIT: 'true',
        DATABASE_WAIT_SECONDS: '2',
        JWT_TTL_SECONDS: '60',
        BCRYPT_COST: '4',
        BCRYPT_THREADS: '3',
        USER_QUOTA_BYTES: '0',
        LOG_LEVEL: 'WARN',
        WEB_DIR: '/srv/clouddrive-web',
      }),
    );
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      corsOrigins: ['https://a.example', 'https://b.example'],
      trustProxy: true,
      webDir: '/srv/clouddrive-web',
      timeouts: { headersSeconds: 5, bodySeconds: 6, idleSeconds: 7, keepAliveSeconds: 8 },
      maxConnectionsPerIp: 9,
    });
    expect(config.database).toEqual({
      url: SERVER_URL,
      secret: undefined,
      poolSize: 4,
      migrateOnStart: false,
      jit: true,
      connectTimeoutMs: 2000,
    });
    expect(config.auth).toEqual({
      jwtSecret: SECRET_A,
      jwtTtlSeconds: 60,
      bcryptCost: 4,
      bcryptThreads: 3,
      lambdaSecret: SECRET_B,
    });
    expect(config.quota.defaultBytes).toBe(0);
    expect(config.log.level).toBe('warn');
    expect(config.notices).toEqual([]);
  });

  it('caps connections per client address by default, but not behind a proxy (every connection is the proxy)', () => {
    expect(loadConfig(serverEnv({})).http.maxConnectionsPerIp).toBe(64);
    expect(loadConfig(serverEnv({ TRUST_PROXY: 'true' })).http.maxConnectionsPerIp).toBe(0);
    expect(
      loadConfig(serverEnv({ TRUST_PROXY: 'true', HTTP_MAX_CONNECTIONS_PER_IP: '500' })).http.maxConnectionsPerIp,
    ).toBe(500);
  });

  it('has rate limits on by default, in memory, with the documented budgets', () => {
    const config = loadConfig(serverEnv());
    expect(config.redis).toEqual({ url: undefined });
    expect(config.rateLimits).toEqual({
      enabled: true,
      redisKeyPrefix: 'clouddrive:rate:',
      api: { points: 1200, windowSeconds: 60 },
      storage: { points: 3000, windowSeconds: 60 },
      login: { points: 10, windowSeconds: 60 },
      loginPerAccount: { points: 5, windowSeconds: 60 },
      register: { points: 10, windowSeconds: 3600 },
      upload: { points: 120, windowSeconds: 60 },
    });
  });

  it('reads every budget as N/S, the switch, Redis and its key prefix', () => {
    const config = loadConfig(
      serverEnv({
        RATE_LIMITS_ENABLED: 'false',
        REDIS_URL: 'redis://cache.internal:6379/2',
        RATE_LIMIT_REDIS_PREFIX: 'drive-a:',
        RATE_LIMIT_API: '100/10',
        RATE_LIMIT_STORAGE: '200 / 20',
        RATE_LIMIT_LOGIN: '3/30',
        RATE_LIMIT_LOGIN_ACCOUNT: '4/40',
        RATE_LIMIT_REGISTER: '5/86400',
        RATE_LIMIT_UPLOAD: '6/60',
      }),
    );
    expect(config.redis.url).toBe('redis://cache.internal:6379/2');
    expect(config.rateLimits).toEqual({
      enabled: false,
      redisKeyPrefix: 'drive-a:',
      api: { points: 100, windowSeconds: 10 },
      storage: { points: 200, windowSeconds: 20 },
      login: { points: 3, windowSeconds: 30 },
      loginPerAccount: { points: 4, windowSeconds: 40 },
      register: { points: 5, windowSeconds: 86400 },
      upload: { points: 6, windowSeconds: 60 },
    });
  });

  it('caches in Redis with REDIS_URL, in memory in the embedded mode, and not on a server without Redis', () => {
    expect(loadConfig(serverEnv()).cache).toEqual({
      store: 'off',
      ttlSeconds: 60,
      maxEntries: 10_000,
      redisKeyPrefix: 'clouddrive:cache:',
    });
    expect(loadConfig(serverEnv({ REDIS_URL: 'redis://cache.internal:6379' })).cache.store).toBe('redis');
    const env = { CACHE_STORE: 'memory', CACHE_TTL_SECONDS: '5', CACHE_MAX_ENTRIES: '20', CACHE_REDIS_PREFIX: 'a:' };
    expect(loadConfig(serverEnv(env)).cache).toEqual({
      store: 'memory',
      ttlSeconds: 5,
      maxEntries: 20,
      redisKeyPrefix: 'a:',
    });
    expect(configErrorOf(serverEnv({ CACHE_TTL_SECONDS: '0' })).problems).toHaveLength(1);
    expect(configErrorOf(serverEnv({ CACHE_STORE: 'redis' })).problems).toEqual(['CACHE_STORE=redis needs REDIS_URL']);
  });

  it.each([['10'], ['0/60'], ['10/0'], ['10/86401'], ['ten/60'], ['10/60s'], ['-1/60']])(
    'refuses the budget %j, naming the variable and the form',
    (value) => {
      expect(configErrorOf(serverEnv({ RATE_LIMIT_LOGIN: value })).problems).toEqual([
        `RATE_LIMIT_LOGIN must be N/S: N (at least 1) requests per S seconds (1 to 86400), e.g. 10/60 (got ${JSON.stringify(value)})`,
      ]);
    },
  );

  it('refuses a REDIS_URL that is not redis:// or rediss://', () => {
    expect(configErrorOf(serverEnv({ REDIS_URL: 'http://cache:6379' })).problems).toEqual([
      'REDIS_URL must be a URL starting with redis:// or rediss:// (got a value that is not)',
    ]);
  });

  it("splits CORS_ORIGINS on commas and drops blanks: 'a, b,,c'", () => {
    expect(loadConfig(serverEnv({ CORS_ORIGINS: 'a, b,,c' })).http.corsOrigins).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['NO', false],
  ])('reads the boolean %j as %s', (value, expected) => {
    const config = loadConfig(serverEnv({ TRUST_PROXY: value, DATABASE_MIGRATE_ON_START: value }));
    expect(config.http.trustProxy).toBe(expected);
    expect(config.database.migrateOnStart).toBe(expected);
  });

  it('reads TRUST_PROXY as a list of the proxies to trust: addresses, CIDR ranges and named ranges', () => {
    const config = loadConfig(serverEnv({ TRUST_PROXY: '10.0.0.0/16, 192.168.1.7, ::1/128, loopback' }));
    expect(config.http.trustProxy).toEqual(['10.0.0.0/16', '192.168.1.7', '::1/128', 'loopback']);
    // Behind a proxy, every connection is the proxy's: no cap per address by default.
    expect(config.http.maxConnectionsPerIp).toBe(0);
  });

  it.each(['10.0.0.0/33', 'example.com', '10.0.0/8', '10.0.0.1/8/1', 'everywhere'])(
    'refuses TRUST_PROXY=%j',
    (value) => {
      expect(configErrorOf(serverEnv({ TRUST_PROXY: value })).problems).toEqual([
        expect.stringMatching(/^TRUST_PROXY must be true, false, or a list of proxy addresses and CIDR ranges/),
      ]);
    },
  );

  describe('refuses a wrong value with a ConfigError naming the variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['BCRYPT_COST', '3'],
      ['BCRYPT_COST', '16'],
      ['BCRYPT_THREADS', '0'],
      ['JWT_TTL_SECONDS', '10'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'not a url'],
      ['LOG_LEVEL', 'loud'],
      ['TRUST_PROXY', 'maybe?'],
      ['DATABASE_MIGRATE_ON_START', 'perhaps'],
      ['JWT_SECRET', 'too-short-secret'],
      ['LAMBDA_SECRET', 'x'.repeat(31)],
      ['USER_QUOTA_BYTES', '-1'],
      ['DATABASE_POOL_SIZE', '0'],
      ['HTTP_HEADERS_TIMEOUT_SECONDS', '0'],
      ['HTTP_IDLE_TIMEOUT_SECONDS', 'soon'],
      ['HTTP_MAX_CONNECTIONS_PER_IP', '-1'],
    ])('%s=%j', (name, value) => {
      const error = configErrorOf(serverEnv({ [name]: value }));
      expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${name} must be`))]);
      expect(error.message).toContain(`${name} must be`);
    });

    it('also when no DATABASE_URL is set (embedded mode), before generating any secret', () => {
      const dataDir = tempDir();
      const error = configErrorOf({ DATA_DIR: dataDir, PORT: 'abc' });
      expect(error.message).toContain('PORT must be');
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    });
  });

  it('names every wrong variable in one error', () => {
    const error = configErrorOf(
      serverEnv({ PORT: 'abc', BCRYPT_COST: '3', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe?', USER_QUOTA_BYTES: '-1' }),
    );
    expect(error.problems).toHaveLength(5);
    for (const name of ['PORT', 'BCRYPT_COST', 'LOG_LEVEL', 'TRUST_PROXY', 'USER_QUOTA_BYTES']) {
      expect(error.message).toContain(`${name} must be`);
    }
  });

  it.each(['mysql://admin:s3cr3t-pa55@db.example/x', 'postgres//admin:s3cr3t-pa55@db.example'])(
    'never echoes a DATABASE_URL (%j), which may hold a password',
    (url) => {
      const error = configErrorOf(serverEnv({ DATABASE_URL: url }));
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).not.toContain('s3cr3t-pa55');
      expect(error.message).not.toContain('db.example');
    },
  );

  it('never echoes a secret that is too short', () => {
    const error = configErrorOf(serverEnv({ JWT_SECRET: 'hunter2-hunter2' }));
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain('hunter2');
  });

  describe('with DATABASE_URL set', () => {
    it('requires JWT_SECRET and LAMBDA_SECRET, without echoing the URL', () => {
      const error = configErrorOf({ DATA_DIR: tempDir(), DATABASE_URL: SERVER_URL });
      expect(error.problems).toEqual([
        'JWT_SECRET must be set when DATABASE_URL is set',
        'LAMBDA_SECRET must be set when DATABASE_URL is set',
      ]);
      expect(error.message).not.toContain('pa55word-in-url');
    });

    it('requires LAMBDA_SECRET alone when only it is missing', () => {
      const error = configErrorOf({ DATA_DIR: tempDir(), DATABASE_URL: SERVER_URL, JWT_SECRET: SECRET_A });
      expect(error.problems).toEqual(['LAMBDA_SECRET must be set when DATABASE_URL is set']);
    });

    it('uses the given secrets as given and writes no secrets.json', () => {
      const env = serverEnv();
      const config = loadConfig(env);
      expect(config.auth.jwtSecret).toBe(SECRET_A);
      expect(config.auth.lambdaSecret).toBe(SECRET_B);
      expect(config.notices).toEqual([]);
      expect(existsSync(join(env.DATA_DIR, 'secrets.json'))).toBe(false);
    });
  });

  describe('with DATABASE_SECRET_ARN set (credentials read from Secrets Manager, rotated)', () => {
    const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/db-AbCdEf';
    const secretEnv = (env: Record<string, string> = {}) => {
      const { DATABASE_URL: _url, ...rest } = serverEnv(env);
      return { DATABASE_SECRET_ARN: ARN, ...rest };
    };

    it('is a server, not the embedded database: verify-full TLS with Node’s CAs unless told otherwise', () => {
      const config = loadConfig(secretEnv());
      expect(config.database).toMatchObject({
        url: undefined,
        secret: { arn: ARN, sslMode: 'verify-full', sslRootCert: undefined },
      });
      expect(config.notices).toEqual([]);
    });

    it('takes the TLS mode and the CA bundle', () => {
      const config = loadConfig(
        secretEnv({ DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_ROOT_CERT: '/app/deploy/rds-ca-bundle.crt' }),
      );
      expect(config.database.secret).toEqual({
        arn: ARN,
        sslMode: 'verify-full',
        sslRootCert: '/app/deploy/rds-ca-bundle.crt',
      });
      expect(loadConfig(secretEnv({ DATABASE_SSL_MODE: 'disable' })).database.secret?.sslMode).toBe('disable');
    });

    it('requires JWT_SECRET and LAMBDA_SECRET, as a URL does', () => {
      const error = configErrorOf({ DATA_DIR: tempDir(), DATABASE_SECRET_ARN: ARN });
      expect(error.problems).toEqual([
        'JWT_SECRET must be set when DATABASE_SECRET_ARN is set',
        'LAMBDA_SECRET must be set when DATABASE_SECRET_ARN is set',
      ]);
    });

    it('refuses it with DATABASE_URL, an unknown TLS mode, a CA without verify-full, TLS settings without it', () => {
      expect(configErrorOf({ ...secretEnv(), DATABASE_URL: SERVER_URL }).problems).toEqual([
        'DATABASE_URL and DATABASE_SECRET_ARN exclude each other: set one',
      ]);
      expect(configErrorOf(secretEnv({ DATABASE_SSL_MODE: 'prefer' })).problems).toEqual([
        expect.stringMatching(/^DATABASE_SSL_MODE must be one of disable, require, verify-full/),
      ]);
      expect(
        configErrorOf(secretEnv({ DATABASE_SSL_MODE: 'require', DATABASE_SSL_ROOT_CERT: '/ca.pem' })).problems,
      ).toEqual(['DATABASE_SSL_ROOT_CERT needs DATABASE_SSL_MODE=verify-full (nothing else checks a CA)']);
      expect(configErrorOf(serverEnv({ DATABASE_SSL_ROOT_CERT: '/ca.pem' })).problems).toEqual([
        'DATABASE_SECRET_ARN must be set for DATABASE_SSL_ROOT_CERT (a URL has its own sslmode)',
      ]);
    });
  });

  describe('embedded (no DATABASE_URL)', () => {
    it('generates two different, long secrets and keeps them in DATA_DIR/secrets.json, readable by the owner only', () => {
      const dataDir = tempDir();
      const config = loadConfig({ DATA_DIR: dataDir });
      const { jwtSecret, lambdaSecret } = config.auth;
      expect(jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(lambdaSecret.length).toBeGreaterThanOrEqual(32);
      expect(jwtSecret).not.toBe(lambdaSecret);

      const file = join(dataDir, 'secrets.json');
      expect(keptSecrets(dataDir)).toEqual({ JWT_SECRET: jwtSecret, LAMBDA_SECRET: lambdaSecret });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(config.notices).toEqual([expect.stringContaining('Generated JWT_SECRET and LAMBDA_SECRET')]);
      expect(config.notices[0]).toContain(file);
    });

    it('creates a DATA_DIR that does not exist yet', () => {
      const dataDir = join(tempDir(), 'nested', 'data');
      loadConfig({ DATA_DIR: dataDir });
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
    });

    it('reuses the kept secrets on the next start, without a notice', () => {
      const dataDir = tempDir();
      const first = loadConfig({ DATA_DIR: dataDir });
      const second = loadConfig({ DATA_DIR: dataDir });
      expect(second.auth.jwtSecret).toBe(first.auth.jwtSecret);
      expect(second.auth.lambdaSecret).toBe(first.auth.lambdaSecret);
      expect(second.notices).toEqual([]);
    });

    it('lets a JWT_SECRET from the environment override the kept one, leaving the file alone', () => {
      const dataDir = tempDir();
      const first = loadConfig({ DATA_DIR: dataDir });
      const before = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
      const second = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET_A });
      expect(second.auth.jwtSecret).toBe(SECRET_A);
      expect(second.auth.lambdaSecret).toBe(first.auth.lambdaSecret);
      expect(second.notices).toEqual([]);
      expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(before);
    });

    it('writes nothing when both secrets come from the environment', () => {
      const dataDir = tempDir();
      const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET_A, LAMBDA_SECRET: SECRET_B });
      expect(config.auth).toMatchObject({ jwtSecret: SECRET_A, lambdaSecret: SECRET_B });
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    });

    // Fails today: loadConfig lets JSON.parse's SyntaxError (or a TypeError for `null`) escape, which main.ts does
    // not handle as a configuration problem, so start-up dies on a stack trace that does not name the file.
    it.each([
      ['truncated JSON', '{"JWT_SECRET": "abc",'],
      ['null', 'null'],
    ])('refuses an unreadable secrets.json (%s) with a ConfigError naming the file', (_, content) => {
      const dataDir = tempDir();
      const file = join(dataDir, 'secrets.json');
      writeFileSync(file, content);
      expect(configErrorOf({ DATA_DIR: dataDir }).message).toContain(file);
    });

    it('regenerates a kept secret that is too short, keeping the good one, and makes the file private', () => {
      const dataDir = tempDir();
      const file = join(dataDir, 'secrets.json');
      writeFileSync(file, JSON.stringify({ JWT_SECRET: 'short', LAMBDA_SECRET: SECRET_B }));
      chmodSync(file, 0o644);
      const config = loadConfig({ DATA_DIR: dataDir });
      expect(config.auth.jwtSecret).not.toBe('short');
      expect(config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(config.auth.lambdaSecret).toBe(SECRET_B);
      expect(keptSecrets(dataDir)).toEqual({ JWT_SECRET: config.auth.jwtSecret, LAMBDA_SECRET: SECRET_B });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(config.notices).toEqual([expect.stringMatching(/^Generated JWT_SECRET and kept/)]);
    });
  });
});

describe('loadWorkersConfig: the standalone workers (receiver, Lambda)', () => {
  const workersError = (env: Record<string, string>): ConfigError => {
    try {
      loadWorkersConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('loadConfig accepted it');
  };

  it('needs the API URL and LAMBDA_SECRET, and neither a database nor JWT_SECRET; generates and keeps nothing', () => {
    const dataDir = tempDir();
    const config = loadWorkersConfig({
      DATA_DIR: dataDir,
      API_URL: 'https://api.example.com/',
      LAMBDA_SECRET: SECRET_B,
      S3_BUCKET: 'files',
    });
    expect(config.workers.apiUrl).toBe('https://api.example.com');
    expect(config.auth.lambdaSecret).toBe(SECRET_B);
    expect(config).not.toHaveProperty('database');
    expect(config.auth).toEqual({ lambdaSecret: SECRET_B });
    expect(config.storage).toMatchObject({ driver: 's3', s3: { bucket: 'files', region: 'us-east-1' } });
    expect(config.workers.receiver).toEqual({ port: 8081, token: undefined });
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
  });

  it('reads no API variable: a broken DATABASE_URL, JWT_SECRET, PORT or upload limit is none of its business', () => {
    const config = loadWorkersConfig({
      API_URL: 'http://api:8080',
      LAMBDA_SECRET: SECRET_B,
      DATABASE_URL: 'not a url',
      JWT_SECRET: 'short',
      PORT: 'eighty',
      MAX_UPLOAD_BYTES: '-1',
    });
    expect(config.workers.apiUrl).toBe('http://api:8080');
    expect(Object.keys(config).sort()).toEqual(['app', 'auth', 'dataDir', 'http', 'log', 'storage', 'workers']);
  });

  it('names every missing or wrong variable at once, its own and the shared ones', () => {
    expect(workersError({ S3_BUCKET: 'files', S3_ACCESS_KEY_ID: 'k' }).problems).toEqual([
      expect.stringMatching(/^LAMBDA_SECRET must be set/),
      expect.stringMatching(/^API_URL must be set/),
      expect.stringMatching(/^S3_SECRET_ACCESS_KEY/),
    ]);
    expect(
      workersError({ API_URL: 'https://a.example', LAMBDA_SECRET: 'short', WORKERS_PORT: '70000' }).problems,
    ).toEqual([expect.stringMatching(/^LAMBDA_SECRET/), expect.stringMatching(/^WORKERS_PORT/)]);
  });

  it('takes the receiver’s port and token, and the region AWS runs it in', () => {
    const config = loadWorkersConfig({
      API_URL: 'http://api:8080',
      LAMBDA_SECRET: SECRET_B,
      WORKERS_PORT: '9000',
      WORKERS_TOKEN: 't'.repeat(20),
      S3_BUCKET: 'files',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.workers.receiver).toEqual({ port: 9000, token: 't'.repeat(20) });
    expect(config.storage.s3?.region).toBe('eu-west-1');
  });

  it('bounds each call to the API by API_RETRY_BUDGET_MS (20 s by default), from 1 s to 15 min', () => {
    const env = { API_URL: 'http://api:8080', LAMBDA_SECRET: SECRET_B };
    expect(loadWorkersConfig(env).workers.apiRetryBudgetMs).toBe(20_000);
    expect(loadWorkersConfig({ ...env, API_RETRY_BUDGET_MS: '12000' }).workers.apiRetryBudgetMs).toBe(12_000);
    expect(workersError({ ...env, API_RETRY_BUDGET_MS: '500' }).problems).toEqual([
      expect.stringMatching(/^API_RETRY_BUDGET_MS must be an integer from 1000 to 900000/),
    ]);
  });
});

describe('the test environment', () => {
  it('round-trips the embedded servers’ URLs through an environment', () => {
    const env: Record<string, string | undefined> = {};
    publishEmbeddedTestUrls(['postgres://a/x', 'postgres://b/y'], env);
    expect(env[EMBEDDED_TEST_URLS]).toBeDefined();
    expect(readTestEnvironment(env).embeddedUrls).toEqual(['postgres://a/x', 'postgres://b/y']);
  });

  it('reads the database and Redis URLs (trimmed, blank as unset) and the worker id (1 by default)', () => {
    expect(readTestEnvironment({})).toEqual({
      databaseUrl: undefined,
      embeddedUrls: [],
      workerId: 1,
      postgresBinDir: undefined,
      redisUrl: undefined,
    });
    expect(readTestEnvironment({ TEST_DATABASE_URL: '  ', TEST_REDIS_URL: ' ', JEST_WORKER_ID: '3' })).toEqual({
      databaseUrl: undefined,
      embeddedUrls: [],
      workerId: 3,
      postgresBinDir: undefined,
      redisUrl: undefined,
    });
    expect(readTestEnvironment({ TEST_DATABASE_URL: ' postgres://h/test ' }).databaseUrl).toBe('postgres://h/test');
    expect(readTestEnvironment({ TEST_REDIS_URL: ' redis://127.0.0.1:6379 ' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('reads where jest.config.js found the PostgreSQL programs', () => {
    const env = { [POSTGRES_BIN_DIR]: '/usr/lib/postgresql/15/bin' };
    expect(readTestEnvironment(env).postgresBinDir).toBe('/usr/lib/postgresql/15/bin');
  });
});

describe('readFuzzSettings', () => {
  it('has a fixed seed and 10,000 requests by default, so that a run is repeatable', () => {
    expect(readFuzzSettings({})).toEqual({ seed: FUZZ_DEFAULT_SEED, requests: FUZZ_DEFAULT_REQUESTS });
    expect(FUZZ_DEFAULT_REQUESTS).toBeGreaterThanOrEqual(10_000);
  });

  it('reads FUZZ_SEED and FUZZ_REQUESTS, and draws a seed for "random"', () => {
    expect(readFuzzSettings({ FUZZ_SEED: ' 42 ', FUZZ_REQUESTS: '500' })).toEqual({ seed: 42, requests: 500 });
    const { seed } = readFuzzSettings({ FUZZ_SEED: 'random' });
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
  });

  it.each([
    ['FUZZ_SEED', '-1'],
    ['FUZZ_SEED', '1.5'],
    ['FUZZ_SEED', 'abc'],
    ['FUZZ_SEED', String(2 ** 32)],
    ['FUZZ_REQUESTS', '0'],
    ['FUZZ_REQUESTS', 'many'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => readFuzzSettings({ [name]: value })).toThrow(name);
  });
});
