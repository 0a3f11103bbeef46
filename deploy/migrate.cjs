// Applies pending migrations to DATABASE_URL and exits: the one-off task run before new code starts when the
// service runs with DATABASE_MIGRATE_ON_START=false. It uses the built output, so it runs in the production image
// (where `npm run migration:run` cannot: that one compiles TypeScript on the fly with dev dependencies).
'use strict';

require('reflect-metadata');
const { DataSource } = require('typeorm');
const { loadConfig } = require('../dist/libs/config/src');
const { dataSourceOptions, runMigrations } = require('../dist/libs/db/src');

async function main() {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required');
  // Migrations need no secrets: the task may be given DATABASE_URL alone.
  const unused = 'not-used-by-migrations-'.padEnd(32, 'x');
  const config = loadConfig({ JWT_SECRET: unused, LAMBDA_SECRET: unused, ...process.env });
  const dataSource = await new DataSource(dataSourceOptions(config.database.url, config.database)).initialize();
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
