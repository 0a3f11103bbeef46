import 'reflect-metadata';
import { AppConfig, ConfigError, loadConfig } from '@app/config';
import { INestApplication, Logger } from '@nestjs/common';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const app = await createApiApp(config);
  const logger = new Logger('Main');
  stopOnSignals(app, logger);
  for (const notice of config.notices) logger.warn(notice);
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `CloudDrive ${config.app.version} listening on ${await app.getUrl()} ` +
      `(database: ${databaseLabel(config)}); docs at /docs`,
  );
}

/** The longest a clean shutdown may take before the process gives up on it. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * SIGTERM (docker, systemd, npm passing on its own) and SIGINT (Ctrl-C) close the app: the port, open
 * connections, the workers' thread, the embedded PostgreSQL and its lock. Then the process exits 0, not by the
 * signal as Nest's shutdown hooks do. Ctrl-C under npm arrives twice (from the terminal and from npm): once is enough.
 */
function stopOnSignals(app: INestApplication, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown took over ${SHUTDOWN_TIMEOUT_MS} ms: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => {
        logger.log('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function databaseLabel(config: AppConfig): string {
  if (config.database.secret) return `PostgreSQL, credentials from ${config.database.secret.arn}`;
  return config.database.url ? 'PostgreSQL' : `embedded, in ${config.dataDir}`;
}

void main();
