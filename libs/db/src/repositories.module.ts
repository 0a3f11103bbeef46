import { DynamicModule, Global, Module } from '@nestjs/common';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { AccessRepository } from './repositories/access.repository';
import { ArchivesRepository } from './repositories/archives.repository';
import { ChangesRepository } from './repositories/changes.repository';
import { CopiesRepository } from './repositories/copies.repository';
import { ItemsRepository } from './repositories/items.repository';
import { PreviewsRepository } from './repositories/previews.repository';
import { ProfilePhotosRepository } from './repositories/profile-photos.repository';
import { QuotaRepository } from './repositories/quota.repository';
import { SearchRepository } from './repositories/search.repository';
import { SharesRepository } from './repositories/shares.repository';
import { TrashRepository } from './repositories/trash.repository';
import { UploadsRepository } from './repositories/uploads.repository';
import { UsersRepository } from './repositories/users.repository';
import { VersionsRepository } from './repositories/versions.repository';
import { PostgresListener } from './notifications';
import { Transactions } from './transactions';

/** Every repository, one per concern (see docs/ARCHITECTURE.md, "Layout"). */
export const REPOSITORIES = [
  UsersRepository,
  QuotaRepository,
  ItemsRepository,
  UploadsRepository,
  VersionsRepository,
  TrashRepository,
  PreviewsRepository,
  AccessRepository,
  SharesRepository,
  ProfilePhotosRepository,
  ArchivesRepository,
  CopiesRepository,
  SearchRepository,
  ChangesRepository,
];

@Global()
@Module({})
class GivenDataSourceModule {}

/**
 * The transaction host and the repositories, over the DataSource provided globally by whoever imports this (the
 * DbModule's TypeORM, or `forDataSource`). No CLS middleware: a context is made when a transaction opens, and
 * outside one the repositories' queries go to the pool.
 */
@Module({})
export class RepositoriesModule {
  static register(): DynamicModule {
    return {
      module: RepositoriesModule,
      imports: [
        ClsModule.forRoot({
          plugins: [
            new ClsPluginTransactional({ adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }) }),
          ],
        }),
      ],
      providers: [Transactions, PostgresListener, ...REPOSITORIES],
      exports: [Transactions, PostgresListener, ...REPOSITORIES],
    };
  }

  /** The same over a DataSource opened by hand (the repositories' integration tests, scripts). */
  static forDataSource(dataSource: DataSource): DynamicModule {
    const given: DynamicModule = {
      module: GivenDataSourceModule,
      providers: [{ provide: DataSource, useValue: dataSource }],
      exports: [DataSource],
    };
    return { ...RepositoriesModule.register(), imports: [given, ...RepositoriesModule.register().imports!] };
  }
}
