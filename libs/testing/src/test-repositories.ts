import { Test, TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  dataSourceOptions,
  Item,
  ItemsRepository,
  NewPendingFile,
  RepositoriesModule,
  runMigrations,
  UploadsRepository,
  User,
  UsersRepository,
} from '@app/db';
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
  make: RowMaker;
  close(): Promise<void>;
}

export interface PlannedFileOptions {
  name?: string;
  sizeBytes?: number;
}

/** What a pending file's row is made of: a text file with a name no other test uses, its URL good for a minute. */
export function plannedFile(
  ownerId: string,
  parentFolderId: string | null = null,
  { name = `file ${randomUUID()}.txt`, sizeBytes = 100 }: PlannedFileOptions = {},
): NewPendingFile {
  const id = randomUUID();
  return {
    id,
    ownerId,
    parentFolderId,
    name,
    type: 'txt',
    uploadKey: `files/${ownerId}/${id}`,
    sizeBytes,
    contentType: 'text/plain',
    expiresAt: new Date(Date.now() + 60_000),
    requestedBy: ownerId,
  };
}

/** Users, folders and files made through the repositories themselves, with names no other test uses. */
export class RowMaker {
  constructor(private readonly module: TestingModule) {}

  user(quotaBytes = 1_000_000): Promise<User> {
    const tag = randomBytes(5).toString('hex');
    return this.module
      .get(UsersRepository)
      .create({ username: `user_${tag}`, email: `user.${tag}@example.com`, passwordHash: 'x'.repeat(60), quotaBytes });
  }

  folder(ownerId: string, parentFolderId: string | null = null, name = `folder ${randomUUID()}`): Promise<Item> {
    return this.module.get(ItemsRepository).insertFolder({ ownerId, parentFolderId, name });
  }

  /** A file awaiting its first upload (no quota is reserved: that is the caller's step). */
  pendingFile(ownerId: string, parentFolderId: string | null = null, options: PlannedFileOptions = {}): Promise<Item> {
    return this.module.get(UploadsRepository).insertPendingFile(plannedFile(ownerId, parentFolderId, options));
  }

  /** A file whose bytes arrived. */
  async confirmedFile(
    ownerId: string,
    parentFolderId: string | null = null,
    options: PlannedFileOptions = {},
  ): Promise<Item> {
    const pending = await this.pendingFile(ownerId, parentFolderId, options);
    return this.module.get(UploadsRepository).confirmUpload(pending.id, {
      sizeBytes: pending.uploadSizeBytes!,
      contentType: 'text/plain',
      etag: null,
      versionId: null,
      previewStatus: 'unsupported',
      previewKey: null,
    });
  }
}

/**
 * A fresh schema of the test server, migrated, and the repositories over it: the integration tier. The pool has one
 * connection on the embedded server (as the embedded mode has), four on a PostgreSQL server, where concurrent
 * statements then really run at once; `poolSize` sets it (1 on a server too: a query that ran beside an open
 * transaction would then wait for ever, as on the embedded database).
 */
export async function openTestRepositories({ poolSize }: { poolSize?: number } = {}): Promise<TestRepositories> {
  const database = await createTestDatabase();
  const dataSource = new DataSource(
    dataSourceOptions(database.url, {
      url: database.url,
      secret: undefined,
      poolSize: poolSize ?? (database.env.DATABASE_POOL_SIZE ? Number(database.env.DATABASE_POOL_SIZE) : 4),
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
    make: new RowMaker(module),
    close: async () => {
      await module.close();
      await dataSource.destroy();
      await database.drop();
    },
  };
}
