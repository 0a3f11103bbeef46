import 'reflect-metadata';
import { AppConfig, ConfigError, loadConfig } from '@app/config';
import { Logger } from '@nestjs/common';
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
  app.enableShutdownHooks();
  const logger = new Logger('Main');
  for (const notice of config.notices) logger.warn(notice);
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `CloudDrive ${config.app.version} listening on ${await app.getUrl()} ` +
      `(database: ${databaseLabel(config)}); docs at /docs`,
  );
}

function databaseLabel(config: AppConfig): string {
  if (config.database.secret) return `PostgreSQL, credentials from ${config.database.secret.arn}`;
  return config.database.url ? 'PostgreSQL' : `embedded, in ${config.dataDir}`;
}

void main();
