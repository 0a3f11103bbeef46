import { Inject, Module, OnApplicationBootstrap, Logger } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { dataSourceOptions, runMigrations } from './data-source.options';
import { DatabaseServer, EMBEDDED_POOL_SIZE } from './database.server';
import { RepositoriesModule } from './repositories.module';

@Module({ providers: [DatabaseServer], exports: [DatabaseServer] })
class DatabaseServerModule {}

/**
 * TypeORM over `pg`, against the configured PostgreSQL or the embedded one; the transaction host (the open
 * transaction travels with the async context, see Transactions); the repositories.
 */
@Module({
  imports: [
    DatabaseServerModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseServerModule],
      inject: [DatabaseServer, APP_CONFIG],
      useFactory: async (server: DatabaseServer, config: AppConfig) =>
        dataSourceOptions(
          await server.connection(),
          server.isEmbedded
            ? // PGlite cannot go down: waiting for its one connection is waiting in line, never for a dead server.
              { ...config.database, poolSize: EMBEDDED_POOL_SIZE, connectTimeoutMs: 0 }
            : config.database,
        ),
    }),
    RepositoriesModule.register(),
  ],
  exports: [RepositoriesModule],
})
export class DbModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.database.migrateOnStart) return;
    const applied = await runMigrations(this.dataSource);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
}
