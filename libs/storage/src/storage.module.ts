import { DynamicModule, Global, Logger, Module, OnModuleDestroy, Provider } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@app/config';
import { decodeS3Key } from '@app/contracts';
import { LocalObjectStorage } from './local/local-object-storage';
import { ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3/s3-object-storage';

/** Where the local store keeps its objects, under the data directory. */
export const localObjectsDir = (config: AppConfig): string => join(config.dataDir, 'objects');

/**
 * Provides the storage port to every module of either app: S3 when S3_BUCKET is set, else the local-disk
 * store, which is then also provided as itself (the API's /storage routes and its announcements need more
 * than the port). The S3 client's sockets are closed with the app.
 */
@Global()
@Module({})
export class StorageModule implements OnModuleDestroy {
  constructor(private readonly storage: ObjectStorage) {}

  static forRoot(config: AppConfig): DynamicModule {
    if (config.storage.driver === 'local') {
      const providers: Provider[] = [
        { provide: LocalObjectStorage, useFactory: localStorage, inject: [APP_CONFIG] },
        { provide: ObjectStorage, useExisting: LocalObjectStorage },
      ];
      return { module: StorageModule, providers, exports: [LocalObjectStorage, ObjectStorage] };
    }
    const s3: Provider = {
      provide: ObjectStorage,
      useFactory: (c: AppConfig) => S3ObjectStorage.fromConfig(c.storage.s3!),
      inject: [APP_CONFIG],
    };
    return { module: StorageModule, providers: [s3], exports: [ObjectStorage] };
  }

  onModuleDestroy(): void {
    if (this.storage instanceof S3ObjectStorage) this.storage.destroy();
  }
}

function localStorage(config: AppConfig): LocalObjectStorage {
  const logger = new Logger('Storage');
  return new LocalObjectStorage({
    dir: localObjectsDir(config),
    publicUrl: config.storage.publicUrl,
    secret: config.auth.jwtSecret,
    onListenerError: (error, record) =>
      logger.error(
        `Handling the new object ${decodeS3Key(record.s3.object.key)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
  });
}
