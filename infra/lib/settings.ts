/**
 * The stack's settings, read from CDK context (`cdk.json`, `-c key=value`, or `new App({ context })` in tests) and
 * checked before anything is built, so a wrong value stops `cdk synth` with a message naming the key.
 */
export type DatabaseSettings =
  { mode: 'rds'; instanceType: string; multiAz: boolean; sslMode: string } | { mode: 'external'; urlSecretArn: string };

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
  /** Where `npm run build:lambda` left files.zip and profile-photos.zip. Unset: a placeholder (synth and tests). */
  lambdaAssetDir: string | undefined;
  database: DatabaseSettings;
  /** Tasks of the API: at least 2 (one per availability zone), scaled up to maxTasks. */
  minTasks: number;
  maxTasks: number;
  cpu: number;
  memoryMiB: number;
  natGateways: number;
  /** false: the tasks start without migrating; run the one-off migration task first (README). */
  migrateOnStart: boolean;
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
    database = {
      mode: 'rds',
      instanceType: text('databaseInstanceType') ?? 't4g.micro',
      multiAz: bool('databaseMultiAz', true),
      sslMode: text('databaseSslMode') ?? 'no-verify',
    };
  }

  const minTasks = int('minTasks', 2, 2, 100);
  const maxTasks = int('maxTasks', 10, 2, 200);
  if (maxTasks < minTasks) problems.push('maxTasks must be at least minTasks');

  const settings: Settings = {
    certificateArn: certificateArn ?? '',
    domainName,
    hostedZone: zoneId && zoneName ? { id: zoneId, name: zoneName } : undefined,
    corsOrigins,
    imageUri: text('imageUri'),
    lambdaAssetDir: text('lambdaAssetDir'),
    database,
    minTasks,
    maxTasks,
    cpu: int('cpu', 512, 256, 16384),
    memoryMiB: int('memoryMiB', 1024, 512, 122880),
    natGateways: int('natGateways', 2, 1, 2),
    migrateOnStart: bool('migrateOnStart', true),
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
