import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { dataSourceOptions, RepositoriesModule, runMigrations } from '@app/db';
import { createTestDatabase } from './test-database';

/** The repositories and the transaction host over a DataSource, wired as the API wires them (`get` one). */
export async function repositoriesOver(dataSource: DataSource): Promise<TestingModule> {
  const module = await Test.createTestingModule({ imports: [RepositoriesModule.forDataSource(dataSource)] }).compile();
  return module.init();
}

export interface TestRepositories {
  /** The repositories, `Transactions` among them. */
  module: TestingModule;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * A fresh schema of the test server, migrated, and the repositories over it: the integration tier. One connection,
 * by default, as the embedded database has: a query that ran beside an open transaction would wait for ever.
 */
export async function openTestRepositories({ poolSize = 1 } = {}): Promise<TestRepositories> {
  const database = await createTestDatabase();
  const dataSource = new DataSource(
    dataSourceOptions(database.url, {
      url: database.url,
      secret: undefined,
      poolSize,
      migrateOnStart: true,
      jit: false,
      connectTimeoutMs: 0,
    }),
  );
  await dataSource.initialize();
  await runMigrations(dataSource);
  const module = await repositoriesOver(dataSource);
  return {
    module,
    dataSource,
    close: async () => {
      await module.close();
      await dataSource.destroy();
      await database.drop();
    },
  };
}
