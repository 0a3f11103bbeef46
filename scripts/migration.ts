/**
 * npm run migration:generate -- <Name>   write a migration for what the entities changed
 * npm run migration:run                  apply pending migrations to the configured database
 *
 * Both work with no database installed: without DATABASE_URL, `generate` diffs against a throw-away
 * in-memory PostgreSQL and `run` migrates the embedded one under DATA_DIR.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import {
  EmbeddedPostgres,
  configuredConnection,
  dataSourceOptions,
  pendingSchemaChanges,
  runMigrations,
} from '@app/db';

const MIGRATIONS_DIR = join(__dirname, '..', 'libs', 'db', 'src', 'migrations');

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  // Migrations need no secrets: an operator can run them with DATABASE_URL (or DATABASE_SECRET_ARN) alone.
  const unused = 'not-used-by-migrations-'.padEnd(32, 'x');
  const config = loadConfig({ JWT_SECRET: unused, LAMBDA_SECRET: unused, ...process.env });
  const configured = await configuredConnection(config.database);
  const embedded =
    configured === undefined
      ? new EmbeddedPostgres({
          dataDir: command === 'run' ? join(config.dataDir, 'postgres') : undefined,
          maxConnections: config.database.poolSize,
        })
      : undefined;
  const connection = configured ?? (await embedded!.start());
  const dataSource = await new DataSource(dataSourceOptions(connection, config.database)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
    if (command === 'generate') await generate(dataSource, name);
    else if (command !== 'run') throw new Error('usage: migration.ts generate <Name> | run');
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

async function generate(dataSource: DataSource, name: string | undefined): Promise<void> {
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error('Give the migration a PascalCase name.');
  const diff = await pendingSchemaChanges(dataSource);
  if (diff.up.length === 0) {
    console.log('The entities and the migrations agree: nothing to generate.');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  // Schema-agnostic (tests run each file in its own schema), and undone in the reverse order of doing.
  const unqualified = (queries: string[]) => queries.map((query) => query.replace(/"public"\./g, ''));
  const statements = (queries: string[]) =>
    queries
      .map((query) => `    await queryRunner.query(\`${query.replace(/[`\\]|\$\{/g, (c) => `\\${c}`)}\`);`)
      .join('\n');
  const file = `${timestamp}-${name}`;
  writeFileSync(
    join(MIGRATIONS_DIR, `${file}.ts`),
    `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${statements(unqualified(diff.up))}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${statements(unqualified(diff.down).reverse())}
  }
}
`,
  );
  const index = join(MIGRATIONS_DIR, 'index.ts');
  const listed = readFileSync(index, 'utf8')
    .match(/MIGRATIONS = \[(.*)\];/s)![1]
    .trim()
    // Prettier leaves a trailing comma after the last one.
    .replace(/,$/, '');
  writeFileSync(
    index,
    readFileSync(index, 'utf8')
      .replace(/\n*(\/\*\* Every migration)/, `\nimport { ${className} } from './${file}';\n\n$1`)
      .replace(/MIGRATIONS = \[.*\];/s, `MIGRATIONS = [${listed ? `${listed}, ` : ''}${className}];`),
  );
  console.log(`Wrote libs/db/src/migrations/${file}.ts and listed it in index.ts.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
