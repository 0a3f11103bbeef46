import { DynamicModule, Global, Logger, Module, OnModuleDestroy, Provider } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AppConfig } from '@app/config';
import { decodeS3Key } from '@app/contracts';
import { LocalObjectStorage } from './local/local-object-storage';
import { ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3/s3-object-storage';

/** Where the local store keeps its objects, under the data directory. */
export const localObjectsDir = (config: Pick<AppConfig, 'dataDir'>): string => join(config.dataDir, 'objects');

/** What storage needs of a program's configuration (the API's and the workers' both have it). */
export type StorageSettings = Pick<AppConfig, 'dataDir' | 'storage'>;

/**
 * Provides the storage port to every module of either app: S3 when S3_BUCKET is set, else the local-disk
 * store, which is then also provided as itself (the API's /storage routes and its announcements need more
 * than the port). The S3 client's sockets are closed with the app.
 */
@Global()
@Module({})
export class StorageModule implements OnModuleDestroy {
  constructor(private readonly storage: ObjectStorage) {}

  /**
   * `signingSecret` signs the local store's URLs: the API's JWT secret. A program that hands out no URL (the
   * standalone workers) gives none, and its store gets a random key.
   */
  static forRoot(config: StorageSettings, signingSecret?: string): DynamicModule {
    if (config.storage.driver === 'local') {
      const secret = signingSecret ?? randomBytes(32).toString('base64url');
      const providers: Provider[] = [
        { provide: LocalObjectStorage, useFactory: () => localStorage(config, secret) },
        { provide: ObjectStorage, useExisting: LocalObjectStorage },
      ];
      return { module: StorageModule, providers, exports: [LocalObjectStorage, ObjectStorage] };
    }
    const s3: Provider = {
      provide: ObjectStorage,
      useFactory: () => S3ObjectStorage.fromConfig(config.storage.s3!),
    };
    return { module: StorageModule, providers: [s3], exports: [ObjectStorage] };
  }

  onModuleDestroy(): void {
    if (this.storage instanceof S3ObjectStorage) this.storage.destroy();
  }
}

function localStorage(config: StorageSettings, secret: string): LocalObjectStorage {
  const logger = new Logger('Storage');
  return new LocalObjectStorage({
    dir: localObjectsDir(config),
    publicUrl: config.storage.publicUrl,
    secret,
    onListenerError: (error, record) =>
      logger.error(
        `Handling the new object ${decodeS3Key(record.s3.object.key)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
  });
}
