import { DataSource, QueryFailedError } from 'typeorm';
import { AppError } from '@app/contracts';
import { createTestDatabase, repositoriesOver, TestDatabase } from '@app/testing';
import { dataSourceOptions, runMigrations, withoutJit } from './data-source.options';
import { MIGRATIONS } from './migrations';
import { SharesRepository } from './repositories/shares.repository';
import { UsersRepository } from './repositories/users.repository';
import { pendingSchemaChanges } from './schema-diff';

const HASH = '$2b$04$' + 'x'.repeat(53);
const GIB = 1024 ** 3;

interface OpenDatabase {
  dataSource: DataSource;
  close(): Promise<void>;
}

/** A DataSource on a fresh, empty schema of the test server. */
async function openDatabase(): Promise<OpenDatabase> {
  const database: TestDatabase = await createTestDatabase();
  const dataSource = new DataSource(
    dataSourceOptions(database.url, {
      url: database.url,
      secret: undefined,
      poolSize: 2,
      migrateOnStart: true,
      jit: false,
      connectTimeoutMs: 0,
    }),
  );
  await dataSource.initialize();
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** The PostgreSQL error (code and constraint) that a failed statement carries. */
async function violationOf(statement: Promise<unknown>): Promise<{ code: string; constraint: string }> {
  const error = await statement.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(QueryFailedError);
  const { code, constraint } = (error as QueryFailedError).driverError as unknown as {
    code: string;
    constraint: string;
  };
  return { code, constraint };
}

const insertUser = (dataSource: DataSource, username: string, email: string) =>
  dataSource.query(`INSERT INTO users (username, email, password_hash, quota_bytes) VALUES ($1, $2, $3, $4)`, [
    username,
    email,
    HASH,
    GIB,
  ]);

const tableExists = async (dataSource: DataSource, table: string): Promise<boolean> => {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return rows.length > 0;
};

describe('the migrations', () => {
  describe('on a fresh schema', () => {
    let db: OpenDatabase;
    beforeAll(async () => {
      db = await openDatabase();
    });
    afterAll(() => db.close());

    it('connect with JIT compilation off where the server has it (its compile time dwarfs an API statement)', async () => {
      // PGlite has no JIT provider (and takes no startup options); PostgreSQL servers built with LLVM do.
      const [{ jit, available }] = await db.dataSource.query(
        `SELECT current_setting('jit') AS jit, pg_jit_available() AS available`,
      );
      expect(available ? jit : 'off').toBe('off');
      expect(withoutJit('postgres://u@h:5432/db')).toBe('postgres://u@h:5432/db?options=-c+jit%3Doff');
      expect(withoutJit('postgres://u@h/db?sslmode=require&options=-c%20search_path%3Ds')).toBe(
        'postgres://u@h/db?sslmode=require&options=-c+search_path%3Ds+-c+jit%3Doff',
      );
      expect(withoutJit('postgres://u@h/db?options=-c%20jit%3Don')).toBe('postgres://u@h/db?options=-c%20jit%3Don');
    });

    it('start from a schema that differs from the entities', async () => {
      expect((await pendingSchemaChanges(db.dataSource)).up).not.toEqual([]);
    });

    it('apply every migration once, and nothing when run again', async () => {
      expect(await runMigrations(db.dataSource)).toEqual(MIGRATIONS.map((migration) => new migration().name));
      expect(await runMigrations(db.dataSource)).toEqual([]);
      const executed: unknown[] = await db.dataSource.query('SELECT name FROM migrations');
      expect(executed).toHaveLength(MIGRATIONS.length);
    });

    it('produce exactly the schema of the entities', async () => {
      expect(await pendingSchemaChanges(db.dataSource)).toEqual({ up: [], down: [] });
    });

    it('create the case-insensitive unique indexes', async () => {
      const rows: { indexname: string }[] = await db.dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'users' ORDER BY indexname`,
      );
      expect(rows.map((row) => row.indexname)).toEqual(['users_email_key', 'users_pkey', 'users_username_lower_key']);
    });
  });

  describe('the users table', () => {
    let db: OpenDatabase;
    let users: UsersRepository;
    beforeAll(async () => {
      db = await openDatabase();
      await runMigrations(db.dataSource);
      users = (await repositoriesOver(db.dataSource)).get(UsersRepository);
    });
    afterAll(() => db.close());

    const newUser = (username: string, email: string, quotaBytes = 5 * GIB) => ({
      username,
      email,
      passwordHash: HASH,
      quotaBytes,
    });

    it('refuses two usernames that differ only by case (users_username_lower_key)', async () => {
      await insertUser(db.dataSource, 'CaseUser', 'case1@example.com');
      expect(await violationOf(insertUser(db.dataSource, 'caseuser', 'case2@example.com'))).toEqual({
        code: '23505',
        constraint: 'users_username_lower_key',
      });
    });

    it('refuses an e-mail address that is already registered (users_email_key)', async () => {
      await insertUser(db.dataSource, 'mail_one', 'same@example.com');
      expect(await violationOf(insertUser(db.dataSource, 'mail_two', 'same@example.com'))).toEqual({
        code: '23505',
        constraint: 'users_email_key',
      });
    });

    it('refuses an e-mail address that is not lower-cased (users_email_lower_check)', async () => {
      expect(await violationOf(insertUser(db.dataSource, 'upper_mail', 'A@x.com'))).toEqual({
        code: '23514',
        constraint: 'users_email_lower_check',
      });
    });

    it('refuses a negative quota (users_quota_bytes_check)', async () => {
      expect(await violationOf(users.create(newUser('negative', 'negative@example.com', -1)))).toEqual({
        code: '23514',
        constraint: 'users_quota_bytes_check',
      });
    });

    describe('UsersRepository', () => {
      it('creates a user with an id, zero usage, and bigint columns as numbers', async () => {
        const created = await users.create(newUser('bob', 'bob@example.com'));
        expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await users.findById(created.id)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });

        await db.dataSource.query('UPDATE users SET used_bytes = $1, reserved_bytes = $2 WHERE id = $3', [
          2 ** 40,
          7,
          created.id,
        ]);
        const found = await users.findById(created.id);
        expect(found).toMatchObject({ quotaBytes: 5 * GIB, usedBytes: 2 ** 40, reservedBytes: 7 });
        expect([typeof found!.quotaBytes, typeof found!.usedBytes, typeof found!.reservedBytes]).toEqual([
          'number',
          'number',
          'number',
        ]);
      });

      it.each([
        ['a username taken in another case', 'CAROL', 'carol.two@example.com'],
        ['an e-mail address already registered', 'carol_two', 'carol@example.com'],
      ])('answers %s with credentials_in_use', async (_, username, email) => {
        if (!(await users.findByLogin('carol@example.com'))) await users.create(newUser('Carol', 'carol@example.com'));
        const error = await users.create(newUser(username, email)).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: 'credentials_in_use' });
      });

      it('lets any other failure through as it is', async () => {
        const error = await users.create(newUser('dave', 'Dave@Example.com')).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(QueryFailedError);
      });

      it('finds a user by username in any case, and by e-mail address in any case', async () => {
        const erin = await users.create(newUser('Erin.M', 'erin@example.com'));
        for (const login of ['Erin.M', 'erin.m', 'ERIN.M', 'erin@example.com', 'Erin@Example.COM', ' erin.m ']) {
          expect((await users.findByLogin(login))?.id).toBe(erin.id);
        }
        expect(await users.findByLogin('erin')).toBeNull();
        expect(await users.findByLogin('nobody@example.com')).toBeNull();
      });

      it('finds a user by id, and nothing for an unknown id', async () => {
        const frank = await users.create(newUser('frank', 'frank@example.com'));
        expect(await users.findById(frank.id)).toMatchObject({ username: 'frank', email: 'frank@example.com' });
        expect(await users.findById('00000000-0000-4000-8000-000000000000')).toBeNull();
      });

      it('a share of an item that is gone (purged after it was checked) is refused with null, not an error', async () => {
        const owner = await users.create(newUser('grace', 'grace@example.com'));
        const friend = await users.create(newUser('heidi', 'heidi@example.com'));
        const shares = (await repositoriesOver(db.dataSource)).get(SharesRepository);
        expect(await shares.create('00000000-0000-4000-8000-000000000000', friend.id, 'view')).toBeNull();
        const [folder] = await db.dataSource.query(
          `INSERT INTO items (owner_id, kind, name) VALUES ($1, 'folder', 'Shared') RETURNING id`,
          [owner.id],
        );
        expect(await shares.create(folder.id, friend.id, 'edit')).toMatchObject({ permission: 'edit' });
      });
    });
  });

  describe('keeping previews per content (KeepPreviewsPerContent)', () => {
    let db: OpenDatabase;
    beforeAll(async () => {
      db = await openDatabase();
      await runMigrations(db.dataSource);
    });
    afterAll(() => db.close());

    it('points the files stored before at their previews where they were, previews/{owner}/{file}', async () => {
      // Back to just before it (undoing those after it too), with data as it was then.
      const position = MIGRATIONS.findIndex((migration) => migration.name === 'KeepPreviewsPerContent1796102612661');
      for (let undone = position; undone < MIGRATIONS.length; undone++) await db.dataSource.undoLastMigration();
      await insertUser(db.dataSource, 'before', 'before@example.com');
      const [{ id: owner }] = await db.dataSource.query(`SELECT id FROM users`);
      const files: Record<string, string> = {};
      for (const status of ['ready', 'pending', 'failed', 'unsupported', 'none']) {
        const [{ id }] = await db.dataSource.query(
          `INSERT INTO items (owner_id, kind, name, type, size_bytes, upload_status, object_key, preview_status)
           VALUES ($1::uuid, 'file', $2, 'jpg', 1, 'confirmed', 'files/' || $1::text || '/' || gen_random_uuid(), $3)
           RETURNING id`,
          [owner, `${status}.jpg`, status],
        );
        files[status] = id;
      }

      expect((await runMigrations(db.dataSource))[0]).toBe('KeepPreviewsPerContent1796102612661');
      const rows: { name: string; preview_key: string | null }[] = await db.dataSource.query(
        `SELECT name, preview_key FROM items ORDER BY name`,
      );
      expect(Object.fromEntries(rows.map((row) => [row.name, row.preview_key]))).toEqual({
        'failed.jpg': null,
        'none.jpg': null,
        'pending.jpg': `previews/${owner}/${files.pending}`,
        'ready.jpg': `previews/${owner}/${files.ready}`,
        'unsupported.jpg': null,
      });
    });
  });

  describe('undone one by one', () => {
    let db: OpenDatabase;
    beforeAll(async () => {
      db = await openDatabase();
      await runMigrations(db.dataSource);
    });
    afterAll(() => db.close());

    it('leave no users table and no applied migration', async () => {
      expect(await tableExists(db.dataSource, 'users')).toBe(true);
      for (let undone = 0; undone < MIGRATIONS.length; undone++) await db.dataSource.undoLastMigration();

      expect(await db.dataSource.query('SELECT name FROM migrations')).toEqual([]);
      expect(await tableExists(db.dataSource, 'users')).toBe(false);
      // Another undo finds nothing to undo, and migrating again rebuilds the schema.
      await db.dataSource.undoLastMigration();
      expect(await runMigrations(db.dataSource)).toHaveLength(MIGRATIONS.length);
      expect(await pendingSchemaChanges(db.dataSource)).toEqual({ up: [], down: [] });
    });
  });
});
