// Applies pending migrations to DATABASE_URL (or the server of DATABASE_SECRET_ARN) and exits: the one-off task run before new code starts when the
// service runs with DATABASE_MIGRATE_ON_START=false. It uses the built output, so it runs in the production image
// (where `npm run migration:run` cannot: that one compiles TypeScript on the fly with dev dependencies).
'use strict';

require('reflect-metadata');
const { DataSource } = require('typeorm');
const { loadConfig } = require('../dist/libs/config/src');
const { configuredConnection, dataSourceOptions, runMigrations } = require('../dist/libs/db/src');

async function main() {
  // Migrations need no secrets: the task may be given DATABASE_URL (or DATABASE_SECRET_ARN) alone.
  const unused = 'not-used-by-migrations-'.padEnd(32, 'x');
  const config = loadConfig({ JWT_SECRET: unused, LAMBDA_SECRET: unused, ...process.env });
  // The API's own path: with a secret, the password is read from it as the tasks read it.
  const connection = await configuredConnection(config.database);
  if (!connection) throw new Error('DATABASE_URL or DATABASE_SECRET_ARN is required');
  const dataSource = await new DataSource(dataSourceOptions(connection, config.database)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
