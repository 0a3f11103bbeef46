import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DbModule } from '@app/db';
import { StorageModule } from '@app/storage';
import { CacheModule } from './common/cache/cache';
import { ProblemFilter } from './common/errors/problem.filter';
import { RateLimitModule } from './common/rate-limit/rate-limits';
import { AppValidationPipe } from './common/validation/validation.pipe';
import { ArchivesModule } from './modules/archives/archives.module';
import { AuthModule } from './modules/auth/auth.module';
import { BatchModule } from './modules/batch/batch.module';
import { ChangesModule } from './modules/changes/changes.module';
import { FilesModule } from './modules/files/files.module';
import { FoldersModule } from './modules/folders/folders.module';
import { InternalModule } from './modules/internal/internal.module';
import { ProfileModule } from './modules/profile/profile.module';
import { ReconcilerModule } from './modules/reconciler/reconciler.module';
import { SearchModule } from './modules/search/search.module';
import { SharingModule } from './modules/sharing/sharing.module';
import { TrashModule } from './modules/trash/trash.module';
import { VersionsModule } from './modules/versions/versions.module';
import { HealthModule } from './modules/health/health.module';
import { EmbeddedWorkersModule } from './modules/storage/embedded-workers.module';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule,
        StorageModule.forRoot(config, config.auth.jwtSecret),
        RateLimitModule,
        CacheModule,
        ChangesModule,
        AuthModule,
        FoldersModule,
        ArchivesModule,
        FilesModule,
        ProfileModule,
        InternalModule,
        TrashModule,
        VersionsModule,
        BatchModule,
        SharingModule,
        SearchModule,
        ReconcilerModule,
        HealthModule,
        ...(config.storage.driver === 'local' ? [EmbeddedWorkersModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
    };
  }
}
