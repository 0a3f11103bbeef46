import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '@app/config';
import { DatabaseServer } from './database.server';

describe('DatabaseServer', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-db-server-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const serverFor = (database: Partial<AppConfig['database']>) =>
    new DatabaseServer({
      dataDir,
      database: { url: undefined, secret: undefined, poolSize: 2, migrateOnStart: false, jit: false, ...database },
    } as AppConfig);

  it('connects to the configured server and starts no embedded one (nothing written under DATA_DIR)', async () => {
    const server = serverFor({ url: 'postgres://app@db.example:5432/drive' });
    expect(server.isEmbedded).toBe(false);
    expect(await server.connection()).toBe('postgres://app@db.example:5432/drive');
    expect(readdirSync(dataDir)).toEqual([]);
    await server.onApplicationShutdown();
  });

  it('is embedded only without a URL and without a secret', () => {
    expect(serverFor({}).isEmbedded).toBe(true);
    expect(serverFor({ secret: { arn: 'arn', sslMode: 'disable', sslRootCert: undefined } }).isEmbedded).toBe(false);
  });
});
