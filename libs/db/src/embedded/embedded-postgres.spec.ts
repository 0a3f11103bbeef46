import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '@app/testing';
import { EmbeddedPostgres } from './embedded-postgres';

// PGlite takes a few seconds to start (more on a fresh data directory), and some tests start it twice.
jest.setTimeout(120_000);

/** The directory of the Unix socket that a URL from `start()` points at. */
const socketDirOf = (url: string): string => decodeURIComponent(new URL(url).hostname);

/** A pid that belonged to a process which has since exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('EmbeddedPostgres', () => {
  describe('in memory', () => {
    const server = new EmbeddedPostgres({ maxConnections: 2 });
    let url: string;
    beforeAll(async () => {
      url = await server.start();
    });
    afterAll(() => server.stop());

    it('serves PostgreSQL to the pg driver over a Unix socket', async () => {
      expect(url).toMatch(/^postgres:\/\/postgres@/);
      expect(existsSync(join(socketDirOf(url), '.s.PGSQL.5432'))).toBe(true);
      const { rows } = await withClient(url, (client) => client.query('select 1 as one'));
      expect(rows).toEqual([{ one: 1 }]);
    });

    it('removes its socket directory when stopped, and a second stop is harmless', async () => {
      await server.stop();
      expect(existsSync(socketDirOf(url))).toBe(false);
      await expect(server.stop()).resolves.toBeUndefined();
    });
  });

  describe('on a data directory', () => {
    let root: string;
    let dataDir: string;
    let lockFile: string;
    const running: EmbeddedPostgres[] = [];

    const start = async (): Promise<string> => {
      const server = new EmbeddedPostgres({ dataDir, maxConnections: 2 });
      running.push(server);
      return server.start();
    };

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'clouddrive-embedded-spec-'));
      dataDir = join(root, 'postgres');
      lockFile = `${dataDir}.lock`;
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((server) => server.stop()));
      rmSync(root, { recursive: true, force: true });
    });

    it('keeps the data across a stop and a start of a new instance', async () => {
      const first = await start();
      await withClient(first, async (client) => {
        await client.query('create table notes (id int primary key, body text not null)');
        await client.query("insert into notes values (1, 'kept'), (2, 'also kept')");
      });
      await running[0].stop();
      expect(existsSync(lockFile)).toBe(false);

      const second = await start();
      const { rows } = await withClient(second, (client) => client.query('select id, body from notes order by id'));
      expect(rows).toEqual([
        { id: 1, body: 'kept' },
        { id: 2, body: 'also kept' },
      ]);
    });

    it('holds a lock with its pid while running, and refuses a second instance on the same directory', async () => {
      const url = await start();
      expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));

      const intruder = new EmbeddedPostgres({ dataDir, maxConnections: 2 });
      running.push(intruder);
      await expect(intruder.start()).rejects.toThrow(/in use by process \d+ \(lock .*postgres\.lock\).*DATA_DIR/);

      // The refusal leaves the first instance, and its lock, as they were.
      expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      const { rows } = await withClient(url, (client) => client.query('select 1 as one'));
      expect(rows).toEqual([{ one: 1 }]);
    });

    it.each([
      ['a pid that is gone', () => String(deadPid())],
      ['no pid at all', () => 'garbage'],
    ])('takes over a stale lock holding %s', async (_, content) => {
      writeFileSync(lockFile, content());
      const url = await start();
      expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      const { rows } = await withClient(url, (client) => client.query('select 1 as one'));
      expect(rows).toEqual([{ one: 1 }]);
    });
  });
});
