import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DatabaseConnection, configuredConnection } from './data-source.options';
import { EmbeddedPostgres } from './embedded/embedded-postgres';
import { keepToOwner } from './embedded/owner-only';

/**
 * PGlite is one session: statements from two connections interleave in it, and the extended protocol's
 * unnamed statements then clash. One connection serialises them (PGlite runs one statement at a time anyway).
 */
export const EMBEDDED_POOL_SIZE = 1;

/** Whether the configuration names no server, so that the embedded PostgreSQL (PGlite) is used. */
export function isEmbeddedDatabase(database: AppConfig['database']): boolean {
  return database.url === undefined && database.secret === undefined;
}

/** Answers with the PostgreSQL to use: the configured server, or an embedded one under DATA_DIR. */
@Injectable()
export class DatabaseServer implements OnApplicationShutdown {
  private embedded?: EmbeddedPostgres;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get isEmbedded(): boolean {
    return isEmbeddedDatabase(this.config.database);
  }

  async connection(): Promise<DatabaseConnection> {
    const configured = await configuredConnection(this.config.database);
    if (configured) return configured;
    // Before anything of the embedded mode is written: everything under DATA_DIR is this user's alone.
    keepToOwner(this.config.dataDir);
    this.embedded = new EmbeddedPostgres({
      dataDir: join(this.config.dataDir, 'postgres'),
      maxConnections: EMBEDDED_POOL_SIZE,
    });
    return this.embedded.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
  }
}
