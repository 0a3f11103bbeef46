import { resolve } from 'node:path';
import { AppConfig, appIdentity, ConfigError, LOG_LEVELS, SECRET_MIN_LENGTH, storageConfig } from './config';
import { EnvReader } from './env-reader';

/**
 * The standalone workers' configuration (the HTTP receiver, Lambda): they read and write objects and call the
 * API's internal endpoints; they have no database, sign no token and no URL. A part of the API's shape, so the
 * embedded workers (a thread of the API) are handed the API's own configuration.
 */
export interface WorkersConfig extends Pick<AppConfig, 'app' | 'dataDir' | 'storage' | 'log'> {
  /** Where the receiver listens (HOST, WORKERS_PORT). */
  http: Pick<AppConfig['http'], 'host'>;
  /** How the API knows them. */
  auth: Pick<AppConfig['auth'], 'lambdaSecret'>;
  workers: Pick<AppConfig['workers'], 'apiUrl' | 'receiver' | 'apiRetryBudgetMs'>;
}

/** All the workers read; the rest (the database, the API's limits and secrets) is none of their business. */
const WORKERS_VARIABLES = [
  'DATA_DIR',
  'S3_BUCKET',
  'S3_REGION',
  'AWS_REGION',
  'S3_ENDPOINT',
  'S3_FORCE_PATH_STYLE',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'API_URL',
  'API_RETRY_BUDGET_MS',
  'LAMBDA_SECRET',
  'LOG_LEVEL',
  'WORKERS_PORT',
  'WORKERS_TOKEN',
  'HOST',
];

/** The port the API's defaults assume (the local store's public URL, which the workers never hand out). */
const API_DEFAULT_PORT = 8080;

/** Reads and validates the workers' variables only; throws a ConfigError naming every wrong one. */
export function loadWorkersConfig(env: Record<string, string | undefined> = process.env): WorkersConfig {
  const read = new EnvReader(Object.fromEntries(WORKERS_VARIABLES.map((name) => [name, env[name]])));
  if (read.raw('LAMBDA_SECRET') === undefined) read.require('LAMBDA_SECRET', 'for the workers to call the API');
  if (read.raw('API_URL') === undefined) read.require('API_URL', 'for the workers to call the API');
  const lambdaSecret = read.secret('LAMBDA_SECRET', SECRET_MIN_LENGTH);
  const config: WorkersConfig = {
    app: appIdentity(),
    dataDir: resolve(read.string('DATA_DIR', './data')),
    storage: storageConfig(read, API_DEFAULT_PORT),
    http: { host: read.string('HOST', '0.0.0.0') },
    auth: { lambdaSecret: lambdaSecret ?? '' },
    workers: {
      apiUrl: (read.url('API_URL', ['http:', 'https:']) ?? '').replace(/\/+$/, ''),
      receiver: { port: read.int('WORKERS_PORT', 8081, 0, 65535), token: read.secret('WORKERS_TOKEN', 16) },
      apiRetryBudgetMs: read.int('API_RETRY_BUDGET_MS', 20_000, 1_000, 15 * 60_000),
    },
    log: { level: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info') },
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
