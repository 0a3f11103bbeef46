import { randomUUID } from 'node:crypto';
import { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { Account, registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { ITEM_KEYS, expectProblem, expectStatus } from './support/expectations';
import { Item } from './support/drive-files';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FIVE_GIB = 5 * 1024 ** 3;

interface Listing {
  user: Record<string, unknown> | null;
  folder: Item | null;
  path: { id: string; name: string }[];
  files_and_folders: Item[];
  next_cursor: string | null;
}

type Query = Record<string, string | number>;

/** A 422 that names `field`, and only `field`, in `errors`. */
function expectValidationError(res: Response, field: string): void {
  expectProblem(res, 422, 'validation_failed');
  expect(res.body.errors.length).toBeGreaterThan(0);
  for (const error of res.body.errors) expect(error).toEqual({ field, message: expect.stringMatching(/\S/) });
}

const names = (items: Item[]): string[] => items.map((item) => item.name);
const ids = (items: Item[]): string[] => items.map((item) => item.id);
const time = (iso: string): number => new Date(iso).getTime();
/** Lets the clock move past the millisecond the API shows, so that "later" is visible in timestamps. */
const pause = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A cursor as the API encodes them, to forge ones it never handed out. */
const forgeCursor = (parts: unknown[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** One user's drive, driven over HTTP. */
class Drive {
  constructor(
    private readonly http: TestAgent,
    readonly account: Account,
  ) {}

  private get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.account.token}` };
  }

  /** POST /drive with exactly this body. */
  post(body: unknown): Promise<Response> {
    return this.http
      .post('/drive')
      .set(this.auth)
      .send(body as object);
  }

  /** POST /drive of a folder named `name`, at the root or in `parentId`. */
  create(name: unknown, parentId?: string | null): Promise<Response> {
    return this.post(
      parentId === undefined ? { folder_name: name } : { folder_name: name, parent_folder_id: parentId },
    );
  }

  /** Creates a folder, which must succeed. */
  async folder(name: string, parentId?: string | null): Promise<Item> {
    const res = await this.create(name, parentId);
    expectStatus(res, 201);
    return res.body;
  }

  /** Creates `path` ('A/B/C') from `parentId` down: the folders, outermost first. */
  async folders(path: string, parentId: string | null = null): Promise<Item[]> {
    const made: Item[] = [];
    for (const name of path.split('/')) made.push(await this.folder(name, made.at(-1)?.id ?? parentId));
    return made;
  }

  /** GET /drive (folderId null) or GET /drive/{folderId}. */
  list(folderId: string | null = null, query: Query = {}): Promise<Response> {
    return this.http
      .get(folderId === null ? '/drive' : `/drive/${folderId}`)
      .set(this.auth)
      .query(query);
  }

  /** A listing, which must succeed. */
  async listing(folderId: string | null = null, query: Query = {}): Promise<Listing> {
    const res = await this.list(folderId, query);
    expectStatus(res, 200);
    return res.body;
  }

  /** All the items of a folder, in one page. */
  async items(folderId: string | null = null, query: Query = {}): Promise<Item[]> {
    return (await this.listing(folderId, { ...query, limit: 1000 })).files_and_folders;
  }

  /** Every page of a listing, following next_cursor until it is null. */
  async pages(folderId: string | null, query: Query, limit: number): Promise<Item[][]> {
    const pages: Item[][] = [];
    let cursor: string | null = null;
    do {
      const listing = await this.listing(folderId, { ...query, limit, ...(cursor === null ? {} : { cursor }) });
      pages.push(listing.files_and_folders);
      cursor = listing.next_cursor;
      if (cursor !== null) expect(listing.files_and_folders).toHaveLength(limit);
      expect(pages.length).toBeLessThan(1000);
    } while (cursor !== null);
    return pages;
  }

  /** The folder as the API shows it now (from its own listing). */
  async get(folderId: string): Promise<Item> {
    return (await this.listing(folderId)).folder!;
  }

  patch(folderId: string, body: unknown): Promise<Response> {
    return this.http
      .patch(`/drive/${folderId}`)
      .set(this.auth)
      .send(body as object);
  }

  remove(folderId: string): Promise<Response> {
    return this.http.delete(`/drive/${folderId}`).set(this.auth);
  }
}

/** A new user, with an empty drive. */
async function newDrive(t: TestApp): Promise<Drive> {
  return new Drive(t.http, await registerAndLogin(t.http));
}

/** Pages of `limit` must be disjoint and, end to end, the one-page listing of 25 items in the same order. */
async function expectPagesMatchListing(drive: Drive, folderId: string, query: Query, limit: number): Promise<Item[][]> {
  const full = await drive.items(folderId, query);
  expect(full).toHaveLength(25);
  const pages = await drive.pages(folderId, query, limit);
  const paged = pages.flat();
  expect(new Set(ids(paged)).size).toBe(paged.length);
  expect(ids(paged)).toEqual(ids(full));
  return pages;
}

describe('creating folders (POST /drive)', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it('answers 201 with exactly the item: a folder at the root, owned by the caller', async () => {
    const res = await drive.create('Documents');
    expectStatus(res, 201);
    expect(res.headers['content-type']).toMatch(/^application\/json\b/);
    expect(Object.keys(res.body).sort()).toEqual(ITEM_KEYS);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_V4),
      kind: 'folder',
      name: 'Documents',
      size_in_bytes: null,
      type: null,
      content_type: null,
      created_at: expect.stringMatching(ISO_UTC),
      last_interaction: expect.stringMatching(ISO_UTC),
      parent_folder_id: null,
      preview_ready: false,
      preview_status: 'none',
      duration_ms: null,
      media_width: null,
      media_height: null,
      owner: { id: drive.account.id, username: drive.account.username },
      permission: 'owner',
    });
    expect(Object.keys(res.body.owner).sort()).toEqual(['id', 'username']);
    expect(time(res.body.last_interaction)).toBeGreaterThanOrEqual(time(res.body.created_at));
  });

  it('lists the new folder at the root exactly as it answered it', async () => {
    const created = await drive.folder('Listed here');
    expect((await drive.items()).find((item) => item.id === created.id)).toEqual(created);
  });

  it('accepts parent_folder_id null as the root', async () => {
    const created = await drive.folder('Explicit root', null);
    expect(created.parent_folder_id).toBeNull();
    expect(ids(await drive.items())).toContain(created.id);
  });

  it('stores the name in Unicode NFC: a decomposed é comes back composed', async () => {
    const created = await drive.folder('Caf\u0065\u0301');
    expect(created.name).toBe('Caf\u00e9');
    expect(created.name).toHaveLength(4);
    expect(names(await drive.items())).toContain('Caf\u00e9');
  });

  it('trims the name', async () => {
    const created = await drive.folder(' \t Reports  \n');
    expect(created.name).toBe('Reports');
  });

  it('creates a folder in a folder, listed there and not at the root', async () => {
    const parent = await drive.folder('Parent');
    const child = await drive.folder('Child', parent.id);
    expect(child.parent_folder_id).toBe(parent.id);
    expect(ids(await drive.items(parent.id))).toEqual([child.id]);
    expect(ids(await drive.items())).not.toContain(child.id);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '    '],
    ['of 256 characters', 'a'.repeat(256)],
    ['with a slash', 'a/b'],
    ['with a backslash', 'a\\b'],
    ['with NUL', 'a\u0000b'],
    ['with a control character (BEL)', 'a\u0007b'],
    ['with DEL', 'a\u007fb'],
    ['"."', '.'],
    ['".."', '..'],
    ['".." with spaces around it', ' .. '],
    ['a number', 42],
    ['null', null],
    ['an array', ['a']],
  ])('refuses a name %s with 422 naming folder_name', async (_, name) => {
    expectValidationError(await drive.create(name), 'folder_name');
  });

  it('refuses a missing folder_name with 422 naming folder_name', async () => {
    expectValidationError(await drive.post({}), 'folder_name');
  });

  it('accepts a name of 255 characters, and of 255 characters once trimmed', async () => {
    expect((await drive.folder('x'.repeat(255))).name).toBe('x'.repeat(255));
    expect((await drive.folder(`  ${'y'.repeat(255)}  `)).name).toBe('y'.repeat(255));
  });

  it('accepts 255 non-ASCII characters, and counts length after NFC normalisation', async () => {
    expect((await drive.folder('é'.repeat(255))).name).toBe('é'.repeat(255));
    // 300 code units decomposed, 150 once composed.
    expect((await drive.folder('u\u0308'.repeat(150))).name).toBe('ü'.repeat(150));
  });

  it('refuses an unknown field with 422 naming it', async () => {
    expectValidationError(await drive.post({ folder_name: 'Colourful', colour: 'red' }), 'colour');
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['a number', 7],
    ['a UUID with garbage after it', `${randomUUID()}x`],
  ])('refuses a parent_folder_id that is %s with 422 naming parent_folder_id', async (_, parentId) => {
    expectValidationError(await drive.create('Orphan', parentId as string), 'parent_folder_id');
  });

  it('answers a parent that does not exist with 404 folder_not_found', async () => {
    expectProblem(await drive.create('Orphan', randomUUID()), 404, 'folder_not_found');
  });

  it("answers another user's folder as parent exactly like a missing one, revealing nothing of it", async () => {
    const other = await newDrive(t);
    const theirs = await other.folder('Their secret folder');
    const foreign = await drive.create('Intruder', theirs.id);
    const missing = await drive.create('Intruder', randomUUID());
    expectProblem(foreign, 404, 'folder_not_found');
    expect(foreign.text).toBe(missing.text);
    expect(foreign.text).not.toContain(theirs.id);
    expect(foreign.text).not.toContain('secret');
    expect(await other.items(theirs.id)).toEqual([]);
  });

  it('answers a deleted folder as parent with 404 folder_not_found', async () => {
    const gone = await drive.folder('Deleted parent');
    expectStatus(await drive.remove(gone.id), 204);
    expectProblem(await drive.create('Late child', gone.id), 404, 'folder_not_found');
  });
});

describe('folder names are unique among live siblings, in any case', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it("refuses 'photos' next to 'Photos' with 409 folder_name_conflict", async () => {
    await drive.folder('Photos');
    expectProblem(await drive.create('photos'), 409, 'folder_name_conflict');
    expectProblem(await drive.create('PHOTOS'), 409, 'folder_name_conflict');
    expectProblem(await drive.create(' Photos '), 409, 'folder_name_conflict');
    expect(names(await drive.items()).filter((name) => name.toLowerCase() === 'photos')).toEqual(['Photos']);
  });

  it('compares non-ASCII names case-insensitively too', async () => {
    await drive.folder('Été');
    expectProblem(await drive.create('ÉTÉ'), 409, 'folder_name_conflict');
    expectProblem(await drive.create('été'), 409, 'folder_name_conflict');
  });

  it('compares names after NFC normalisation: composed and decomposed é are one name', async () => {
    await drive.folder('R\u00e9sum\u00e9');
    expectProblem(await drive.create('Re\u0301sume\u0301'), 409, 'folder_name_conflict');
  });

  it('refuses a taken name inside a folder too', async () => {
    const parent = await drive.folder('Holder');
    await drive.folder('Inner', parent.id);
    expectProblem(await drive.create('INNER', parent.id), 409, 'folder_name_conflict');
  });

  it('allows the same name in different folders', async () => {
    const [one, two] = [await drive.folder('One'), await drive.folder('Two')];
    const a = await drive.folder('Same', one.id);
    const b = await drive.folder('Same', two.id);
    expect(a.id).not.toBe(b.id);
    // ...and at the root, next to them.
    await drive.folder('Same');
  });

  it("allows the same name at two users' roots", async () => {
    const other = await newDrive(t);
    await drive.folder('Shared name');
    const theirs = await other.folder('Shared name');
    expect(theirs.owner.id).toBe(other.account.id);
  });

  it('frees the name when the folder is deleted', async () => {
    const first = await drive.folder('Reusable');
    expectStatus(await drive.remove(first.id), 204);
    const second = await drive.folder('Reusable');
    expect(second.id).not.toBe(first.id);
    expect(names(await drive.items()).filter((name) => name === 'Reusable')).toEqual(['Reusable']);
  });

  it.each([2, 10])('lets exactly one of %i simultaneous creations of one name win; the others get 409', async (n) => {
    const name = `Race ${n}`;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => drive.create(i % 2 ? name.toUpperCase() : name)),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(n - 1).fill(409)]);
    for (const res of results.filter((r) => r.status === 409)) expectProblem(res, 409, 'folder_name_conflict');
    const winner = results.find((res) => res.status === 201)!.body as Item;
    expect((await drive.items()).filter((item) => item.name.toLowerCase() === name.toLowerCase())).toEqual([winner]);
  });

  it('lets exactly one of 10 simultaneous creations of one name in a folder win', async () => {
    const parent = await drive.folder('Race parent');
    const results = await Promise.all(Array.from({ length: 10 }, () => drive.create('Contested', parent.id)));
    expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(names(await drive.items(parent.id))).toEqual(['Contested']);
  });
});

describe('listing (GET /drive, GET /drive/{folder_id})', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it('answers the root of an empty drive with the storage figures and no folder or path', async () => {
    const res = await drive.list();
    expectStatus(res, 200);
    expect(res.headers['content-type']).toMatch(/^application\/json\b/);
    expect(res.body).toEqual({
      user: {
        username: drive.account.username,
        email: drive.account.email,
        used_storage_in_bytes: 0,
        available_storage_in_bytes: FIVE_GIB,
        total_storage_in_bytes: FIVE_GIB,
      },
      folder: null,
      path: [],
      files_and_folders: [],
      uploads: [],
      next_cursor: null,
    });
  });

  it("lists the root's folders, and only the caller's and only the root's", async () => {
    const mine = await newDrive(t);
    const other = await newDrive(t);
    const [top] = await mine.folders('Top/Nested');
    await other.folder('Not mine');
    const listing = await mine.listing();
    expect(ids(listing.files_and_folders)).toEqual([top.id]);
    expect(listing.next_cursor).toBeNull();
  });

  it('answers a folder with user null, the folder itself, an empty path at the root level and its items', async () => {
    const [a, b] = await drive.folders('Alpha/Beta');
    const listing = await drive.listing(a.id);
    expect(Object.keys(listing).sort()).toEqual([
      'files_and_folders',
      'folder',
      'next_cursor',
      'path',
      'uploads',
      'user',
    ]);
    expect(listing.user).toBeNull();
    expect(listing.folder).toEqual((await drive.items()).find((item) => item.id === a.id));
    expect(Object.keys(listing.folder!).sort()).toEqual(ITEM_KEYS);
    expect(listing.path).toEqual([]);
    expect(listing.files_and_folders).toEqual([b]);
    expect(listing.next_cursor).toBeNull();
  });

  it('answers the path from the root down, three levels deep', async () => {
    const [a, b, c] = await drive.folders('A/B/C');
    expect((await drive.listing(b.id)).path).toEqual([{ id: a.id, name: 'A' }]);
    const deepest = await drive.listing(c.id);
    expect(deepest.path).toEqual([
      { id: a.id, name: 'A' },
      { id: b.id, name: 'B' },
    ]);
    expect(deepest.folder).toMatchObject({ id: c.id, name: 'C', parent_folder_id: b.id });
    expect(deepest.files_and_folders).toEqual([]);
  });

  it('accepts an upper-case folder id', async () => {
    const folder = await drive.folder('Upper id');
    expect((await drive.listing(folder.id.toUpperCase())).folder!.id).toBe(folder.id);
  });

  it("answers another user's folder exactly like a missing one: 404 folder_not_found", async () => {
    const other = await newDrive(t);
    const theirs = await other.folder('Private');
    const foreign = await drive.list(theirs.id);
    const missing = await drive.list(randomUUID());
    expectProblem(foreign, 404, 'folder_not_found');
    expect(foreign.text).toBe(missing.text);
    expect(foreign.text).not.toContain('Private');
  });

  it.each(['not-a-uuid', '123', `${randomUUID()}0`])(
    'refuses a malformed folder id %p with 422 naming folder_id',
    async (id) => {
      expectValidationError(await drive.list(id), 'folder_id');
    },
  );
});

describe('sorting listings', () => {
  let t: TestApp;
  let drive: Drive;
  // In creation order. Case-insensitively: A, a2, b, C, d; byte-wise it would be A, C, a2, b, d.
  const created = ['b', 'A', 'C', 'a2', 'd'];
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
    for (const name of created) await drive.folder(name);
  });
  afterAll(() => t.close());

  it('sorts by name, ascending and case-insensitively, by default', async () => {
    expect(names(await drive.items())).toEqual(['A', 'a2', 'b', 'C', 'd']);
    expect(names(await drive.items(null, { sort_by: 'name', order: 'ASC' }))).toEqual(['A', 'a2', 'b', 'C', 'd']);
  });

  it.each(['DESC', 'desc', 'Desc'])('reverses with order=%s', async (order) => {
    expect(names(await drive.items(null, { order }))).toEqual(['d', 'C', 'b', 'a2', 'A']);
  });

  it('accepts order=asc in lower case', async () => {
    expect(names(await drive.items(null, { order: 'asc' }))).toEqual(['A', 'a2', 'b', 'C', 'd']);
  });

  it.each(['created_at', 'last_interaction'])(
    'sorts by %s in creation order, and reversed with DESC',
    async (sortBy) => {
      expect(names(await drive.items(null, { sort_by: sortBy }))).toEqual(created);
      expect(names(await drive.items(null, { sort_by: sortBy, order: 'desc' }))).toEqual([...created].reverse());
    },
  );

  it('sorts by last_interaction with the most recently touched folder last', async () => {
    const other = await newDrive(t);
    const [first, second] = [await other.folder('first'), await other.folder('second')];
    await pause();
    await other.folder('inside', first.id);
    expect(ids(await other.items(null, { sort_by: 'last_interaction' }))).toEqual([second.id, first.id]);
  });

  it.each([
    ['sort_by', { sort_by: 'owner' }],
    ['sort_by', { sort_by: 'NAME' }],
    ['sort_by', { sort_by: '' }],
    ['order', { order: 'up' }],
    ['order', { order: '' }],
    ['limit', { limit: 0 }],
    ['limit', { limit: 1001 }],
    ['limit', { limit: -1 }],
    ['limit', { limit: 'x' }],
    ['limit', { limit: '1.5' }],
    ['debug', { debug: 1 }],
  ])('refuses a bad %s with 422 naming it: %p', async (field, query) => {
    expectValidationError(await drive.list(null, query), field);
    const folder = (await drive.items())[0];
    expectValidationError(await drive.list(folder.id, query), field);
  });

  it('accepts limit 1 and 1000', async () => {
    expect((await drive.listing(null, { limit: 1 })).files_and_folders).toHaveLength(1);
    expect((await drive.listing(null, { limit: 1000 })).files_and_folders).toHaveLength(created.length);
  });
});

describe('keyset pagination', () => {
  let t: TestApp;
  let drive: Drive;
  /** A folder holding 25 folders, created one after another in a shuffled order. */
  let sequential: Item;
  /** Their names, in the order they were created. */
  const creationOrder = Array.from({ length: 25 }, (_, i) => (i * 7) % 25).map(
    (n) => `Item ${String(n + 1).padStart(2, '0')}`,
  );
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
    sequential = await drive.folder('Sequential');
    for (const name of creationOrder) await drive.folder(name, sequential.id);
  });
  afterAll(() => t.close());

  it('pages 25 folders by 10 in 3 pages, without duplicates or gaps, next_cursor null on the last', async () => {
    const pages = await expectPagesMatchListing(drive, sequential.id, {}, 10);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(names(pages.flat())).toEqual(Array.from({ length: 25 }, (_, i) => `Item ${String(i + 1).padStart(2, '0')}`));
  });

  it('hands out an opaque string as next_cursor while there is more', async () => {
    const first = await drive.listing(sequential.id, { limit: 10 });
    expect(first.next_cursor).toEqual(expect.stringMatching(/\S/));
    const last = await drive.listing(sequential.id, { limit: 25 });
    expect(last.next_cursor).toBeNull();
  });

  it('ends without an empty page when the limit divides the count', async () => {
    const pages = await drive.pages(sequential.id, {}, 5);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it('pages in descending order, the reverse of the ascending listing', async () => {
    const pages = await expectPagesMatchListing(drive, sequential.id, { order: 'DESC' }, 10);
    expect(ids(pages.flat())).toEqual(ids(await drive.items(sequential.id)).reverse());
  });

  it.each([
    ['created_at', 'ASC'],
    ['created_at', 'DESC'],
    ['last_interaction', 'ASC'],
    ['last_interaction', 'DESC'],
  ])('pages by %s %s through sequentially created folders', async (sortBy, order) => {
    const pages = await expectPagesMatchListing(drive, sequential.id, { sort_by: sortBy, order }, 10);
    expect(names(pages.flat())).toEqual(order === 'ASC' ? creationOrder : [...creationOrder].reverse());
  });

  describe('when timestamps tie to the microsecond', () => {
    let tied: Item;
    beforeAll(async () => {
      tied = await drive.folder('Tied');
      for (let i = 0; i < 25; i++) await drive.folder(`T${String(i).padStart(2, '0')}`, tied.id);
      // Creating in parallel may or may not tie (see the last suite); here every one does, to the microsecond.
      await t.app
        .get(DataSource)
        .query(
          `UPDATE items SET created_at = '2026-01-02T03:04:05.123456Z', last_interaction = '2026-01-02T03:04:05.123456Z' WHERE parent_folder_id = $1`,
          [tied.id],
        );
    });

    it.each([
      ['created_at', 'ASC'],
      ['created_at', 'DESC'],
      ['last_interaction', 'ASC'],
      ['last_interaction', 'DESC'],
    ])('breaks ties of %s %s by id, and pages stay disjoint and complete', async (sortBy, order) => {
      const full = await drive.items(tied.id, { sort_by: sortBy, order });
      expect(new Set(full.map((item) => item[sortBy as 'created_at' | 'last_interaction'])).size).toBe(1);
      const byId = [...ids(full)].sort();
      expect(ids(full)).toEqual(order === 'ASC' ? byId : byId.reverse());
      for (const limit of [1, 4, 10]) {
        const paged = (await drive.pages(tied.id, { sort_by: sortBy, order }, limit)).flat();
        expect(ids(paged)).toEqual(ids(full));
      }
    });
  });

  it('refuses a cursor used with another sort_by with 422 naming cursor', async () => {
    const { next_cursor: cursor } = await drive.listing(sequential.id, { limit: 10 });
    expectValidationError(
      await drive.list(sequential.id, { limit: 10, cursor: cursor!, sort_by: 'created_at' }),
      'cursor',
    );
  });

  it('refuses a cursor used with another order with 422 naming cursor', async () => {
    const { next_cursor: cursor } = await drive.listing(sequential.id, { limit: 10 });
    expectValidationError(await drive.list(sequential.id, { limit: 10, cursor: cursor!, order: 'DESC' }), 'cursor');
  });

  it.each([
    ['garbage', 'garbage!!'],
    ['base64 of text', Buffer.from('hello').toString('base64url')],
    ['base64 of an empty JSON object', forgeCursor([])],
    ['over 1024 characters', 'a'.repeat(1025)],
  ])('refuses a cursor that is %s with 422 naming cursor', async (_, cursor) => {
    expectValidationError(await drive.list(sequential.id, { cursor }), 'cursor');
  });

  // A cursor is opaque but not secret: a client that edits one must get a 422, never a 500.
  it.each([
    ['a created_at key that is not a time', 'created_at', [0, 'not a time', randomUUID(), 'created_at', 'ASC']],
    ['a last_interaction key that is not a time', 'last_interaction', [0, '', randomUUID(), 'last_interaction', 'ASC']],
    ['an id of 36 dashes', 'name', [0, 'a', '-'.repeat(36), 'name', 'ASC']],
    [
      'a created_at key on a day that does not exist',
      'created_at',
      [0, '2026-02-31 10:00:00+00', randomUUID(), 'created_at', 'ASC'],
    ],
    ['a created_at key at hour 25', 'created_at', [0, '2026-02-01 25:00:00+00', randomUUID(), 'created_at', 'ASC']],
  ])('refuses a forged cursor with %s with 422 naming cursor', async (_, sortBy, parts) => {
    expectValidationError(await drive.list(sequential.id, { sort_by: sortBy, cursor: forgeCursor(parts) }), 'cursor');
  });

  it('resumes correctly when the last item of the previous page was deleted in between', async () => {
    const folder = await drive.folder('Shrinking');
    for (let i = 1; i <= 25; i++) await drive.folder(`S${String(i).padStart(2, '0')}`, folder.id);
    const before = await drive.items(folder.id);
    const first = await drive.listing(folder.id, { limit: 10 });
    expect(ids(first.files_and_folders)).toEqual(ids(before.slice(0, 10)));
    expectStatus(await drive.remove(first.files_and_folders[9].id), 204);
    const second = await drive.listing(folder.id, { limit: 10, cursor: first.next_cursor! });
    expect(ids(second.files_and_folders)).toEqual(ids(before.slice(10, 20)));
    const third = await drive.listing(folder.id, { limit: 10, cursor: second.next_cursor! });
    expect(ids(third.files_and_folders)).toEqual(ids(before.slice(20)));
    expect(third.next_cursor).toBeNull();
  });
});

describe('renaming and moving (PATCH /drive/{folder_id})', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it('renames: 200 with the item, the listing shows the new name, and last_interaction moves forward', async () => {
    const folder = await drive.folder('Old name');
    await pause();
    const res = await drive.patch(folder.id, { new_name: 'New name' });
    expectStatus(res, 200);
    expect(Object.keys(res.body).sort()).toEqual(ITEM_KEYS);
    expect(res.body).toEqual({ ...folder, name: 'New name', last_interaction: expect.stringMatching(ISO_UTC) });
    expect(time(res.body.last_interaction)).toBeGreaterThan(time(folder.last_interaction));
    const listed = names(await drive.items());
    expect(listed).toContain('New name');
    expect(listed).not.toContain('Old name');
  });

  it('normalises the new name like a created one (NFC, trimmed)', async () => {
    const folder = await drive.folder('To normalise');
    const res = await drive.patch(folder.id, { new_name: '  Nai\u0308ve ' });
    expectStatus(res, 200);
    expect(res.body.name).toBe('Na\u00efve');
  });

  it("refuses a sibling's name in another case with 409 folder_name_conflict, and changes nothing", async () => {
    const parent = await drive.folder('Siblings');
    await drive.folder('Photos', parent.id);
    const videos = await drive.folder('Videos', parent.id);
    expectProblem(await drive.patch(videos.id, { new_name: 'PHOTOS' }), 409, 'folder_name_conflict');
    expect(names(await drive.items(parent.id))).toEqual(['Photos', 'Videos']);
  });

  it('renames a folder to its own name in another case (it is the same item)', async () => {
    const folder = await drive.folder('Camera');
    const res = await drive.patch(folder.id, { new_name: 'CAMERA' });
    expectStatus(res, 200);
    expect(res.body.name).toBe('CAMERA');
    expectStatus(await drive.patch(folder.id, { new_name: 'CAMERA' }), 200);
  });

  it.each([
    ['empty', ''],
    ['"."', '.'],
    ['with a slash', 'a/b'],
    ['of 256 characters', 'n'.repeat(256)],
    ['a number', 5],
  ])('refuses a new_name %s with 422 naming new_name', async (_, newName) => {
    const folder = await drive.folder(`Bad rename ${randomUUID()}`);
    expectValidationError(await drive.patch(folder.id, { new_name: newName }), 'new_name');
  });

  it('moves a folder into another: listed there, gone from where it was', async () => {
    const [source, target] = [await drive.folder('Move source'), await drive.folder('Move target')];
    const moving = await drive.folder('Mover', source.id);
    const res = await drive.patch(moving.id, { parent_folder_id: target.id });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: moving.id, name: 'Mover', parent_folder_id: target.id });
    expect(ids(await drive.items(target.id))).toEqual([moving.id]);
    expect(await drive.items(source.id)).toEqual([]);
    expect((await drive.listing(moving.id)).path).toEqual([{ id: target.id, name: 'Move target' }]);
  });

  it('moves a folder, with its subtree, to the root with parent_folder_id null', async () => {
    const [outer, inner, leaf] = await drive.folders('Outer/To root/Leaf');
    const res = await drive.patch(inner.id, { parent_folder_id: null });
    expectStatus(res, 200);
    expect(res.body.parent_folder_id).toBeNull();
    expect(ids(await drive.items())).toContain(inner.id);
    expect(await drive.items(outer.id)).toEqual([]);
    expect((await drive.listing(leaf.id)).path).toEqual([{ id: inner.id, name: 'To root' }]);
  });

  it('renames and moves at once', async () => {
    const target = await drive.folder('Both target');
    await drive.folder('Taken', target.id);
    const folder = await drive.folder('Taken');
    const res = await drive.patch(folder.id, { new_name: 'Not taken', parent_folder_id: target.id });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ name: 'Not taken', parent_folder_id: target.id });
    expect(names(await drive.items(target.id))).toEqual(['Not taken', 'Taken']);
  });

  it('accepts a move to the folder it is already in', async () => {
    const parent = await drive.folder('Stay parent');
    const folder = await drive.folder('Stayer', parent.id);
    expectStatus(await drive.patch(folder.id, { parent_folder_id: parent.id }), 200);
    expect(ids(await drive.items(parent.id))).toEqual([folder.id]);
  });

  it('refuses a move into itself with 409 folder_move_cycle', async () => {
    const folder = await drive.folder('Self');
    expectProblem(await drive.patch(folder.id, { parent_folder_id: folder.id }), 409, 'folder_move_cycle');
    expect((await drive.get(folder.id)).parent_folder_id).toBeNull();
  });

  it('refuses a move into its own child or grandchild with 409 folder_move_cycle', async () => {
    const [top, child, grandchild] = await drive.folders('Cycle top/Cycle child/Cycle grandchild');
    expectProblem(await drive.patch(top.id, { parent_folder_id: child.id }), 409, 'folder_move_cycle');
    expectProblem(await drive.patch(top.id, { parent_folder_id: grandchild.id }), 409, 'folder_move_cycle');
    expect((await drive.get(top.id)).parent_folder_id).toBeNull();
    expect((await drive.listing(grandchild.id)).path).toEqual([
      { id: top.id, name: 'Cycle top' },
      { id: child.id, name: 'Cycle child' },
    ]);
  });

  it('refuses a move into a folder where the name is taken (in any case) with 409 folder_name_conflict', async () => {
    const target = await drive.folder('Crowded');
    await drive.folder('MUSIC', target.id);
    const music = await drive.folder('Music');
    expectProblem(await drive.patch(music.id, { parent_folder_id: target.id }), 409, 'folder_name_conflict');
    expect((await drive.get(music.id)).parent_folder_id).toBeNull();
    expect(names(await drive.items(target.id))).toEqual(['MUSIC']);
  });

  it('refuses a move to the root where the name is taken with 409 folder_name_conflict', async () => {
    await drive.folder('Root taken');
    const parent = await drive.folder('Root taken parent');
    const folder = await drive.folder('root TAKEN', parent.id);
    expectProblem(await drive.patch(folder.id, { parent_folder_id: null }), 409, 'folder_name_conflict');
  });

  it('refuses an empty body with 422', async () => {
    const folder = await drive.folder('Empty patch');
    expectProblem(await drive.patch(folder.id, {}), 422, 'validation_failed');
  });

  it('refuses an unknown field with 422 naming it', async () => {
    const folder = await drive.folder('Unknown patch');
    expectValidationError(await drive.patch(folder.id, { new_name: 'x', colour: 'red' }), 'colour');
  });

  it('refuses a malformed parent_folder_id with 422 naming parent_folder_id', async () => {
    const folder = await drive.folder('Bad target');
    expectValidationError(await drive.patch(folder.id, { parent_folder_id: 'nope' }), 'parent_folder_id');
  });

  it("answers a missing or another user's target folder with 404 folder_not_found, identically", async () => {
    const other = await newDrive(t);
    const theirs = await other.folder('Their target');
    const folder = await drive.folder('Wants to move');
    const foreign = await drive.patch(folder.id, { parent_folder_id: theirs.id });
    const missing = await drive.patch(folder.id, { parent_folder_id: randomUUID() });
    expectProblem(foreign, 404, 'folder_not_found');
    expect(foreign.text).toBe(missing.text);
    expect(await other.items(theirs.id)).toEqual([]);
  });

  it("answers a PATCH of another user's folder with 404 folder_not_found, and leaves it alone", async () => {
    const other = await newDrive(t);
    const theirs = await other.folder('Not yours to rename');
    const res = await drive.patch(theirs.id, { new_name: 'Mine now' });
    expectProblem(res, 404, 'folder_not_found');
    expect(res.text).toBe((await drive.patch(randomUUID(), { new_name: 'Mine now' })).text);
    expect((await other.get(theirs.id)).name).toBe('Not yours to rename');
  });

  it('refuses a malformed folder id with 422 naming folder_id', async () => {
    expectValidationError(await drive.patch('not-a-uuid', { new_name: 'x' }), 'folder_id');
  });

  it('never lets two opposite moves both succeed, and keeps the tree acyclic (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const [a, b] = [await drive.folder(`Cross A${round}`), await drive.folder(`Cross B${round}`)];
      const results = await Promise.all([
        drive.patch(a.id, { parent_folder_id: b.id }),
        drive.patch(b.id, { parent_folder_id: a.id }),
      ]);
      expect(results.map((res) => res.status).sort()).toEqual([200, 409]);
      expectProblem(
        results.find((res) => res.status === 409)!,
        409,
        'folder_move_cycle',
      );
      const [outer, inner] = results[0].status === 200 ? [b, a] : [a, b];
      const innerListing = await drive.listing(inner.id);
      expect(innerListing.folder!.parent_folder_id).toBe(outer.id);
      expect(innerListing.path).toEqual([{ id: outer.id, name: outer.name }]);
      const outerListing = await drive.listing(outer.id);
      expect(outerListing.folder!.parent_folder_id).toBeNull();
      expect(outerListing.path).toEqual([]);
      expect(ids(outerListing.files_and_folders)).toEqual([inner.id]);
    }
  });
});

describe('deleting (DELETE /drive/{folder_id})', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it('answers 204 with no body, and the folder and its whole subtree disappear', async () => {
    const [parent, doomed, child, grandchild] = await drive.folders('Keeper/Doomed/Child/Grandchild');
    const sibling = await drive.folder('Survivor', parent.id);
    const res = await drive.remove(doomed.id);
    expectStatus(res, 204);
    expect(res.text).toBe('');
    for (const id of [doomed.id, child.id, grandchild.id]) expectProblem(await drive.list(id), 404, 'folder_not_found');
    expect(ids(await drive.items(parent.id))).toEqual([sibling.id]);
  });

  it('removes a root folder from the root listing', async () => {
    const folder = await drive.folder('Root doomed');
    expectStatus(await drive.remove(folder.id), 204);
    expect(ids(await drive.items())).not.toContain(folder.id);
  });

  it('answers a second deletion, and any change to the deleted folder or its subtree, with 404', async () => {
    const [folder, child] = await drive.folders('Twice/Under twice');
    expectStatus(await drive.remove(folder.id), 204);
    expectProblem(await drive.remove(folder.id), 404, 'folder_not_found');
    expectProblem(await drive.remove(child.id), 404, 'folder_not_found');
    expectProblem(await drive.patch(folder.id, { new_name: 'Back' }), 404, 'folder_not_found');
    expectProblem(await drive.patch(child.id, { parent_folder_id: null }), 404, 'folder_not_found');
    const target = await drive.folder('Move target after delete');
    expectProblem(await drive.patch(target.id, { parent_folder_id: child.id }), 404, 'folder_not_found');
  });

  it("answers another user's folder with 404 folder_not_found, exactly like a missing one, and keeps it", async () => {
    const other = await newDrive(t);
    const theirs = await other.folder('Keep me');
    const foreign = await drive.remove(theirs.id);
    expectProblem(foreign, 404, 'folder_not_found');
    expect(foreign.text).toBe((await drive.remove(randomUUID())).text);
    expect(ids(await other.items())).toContain(theirs.id);
  });

  it('refuses a malformed folder id with 422 naming folder_id', async () => {
    expectValidationError(await drive.remove('not-a-uuid'), 'folder_id');
  });

  // A deletion and a change inside the deleted subtree, at the same time: one of them must come first.
  it('leaves no live folder behind in a folder deleted while one is created in it (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const parent = await drive.folder(`Deleted while filled ${round}`);
      const [created, deleted] = await Promise.all([drive.create('Late child', parent.id), drive.remove(parent.id)]);
      expectStatus(deleted, 204);
      if (created.status === 201) {
        // Created first: it went to the trash with its parent.
        expectProblem(await drive.list(created.body.id), 404, 'folder_not_found');
      } else {
        expectProblem(created, 404, 'folder_not_found');
      }
    }
  });

  it('leaves no live folder behind in a folder deleted while one is moved into it (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const target = await drive.folder(`Deleted while moved into ${round}`);
      const mover = await drive.folder(`Mover ${round}`);
      const [moved, deleted] = await Promise.all([
        drive.patch(mover.id, { parent_folder_id: target.id }),
        drive.remove(target.id),
      ]);
      expectStatus(deleted, 204);
      if (moved.status === 200) {
        // Moved first: it went to the trash with the folder it was moved into.
        expectProblem(await drive.list(mover.id), 404, 'folder_not_found');
      } else {
        expectProblem(moved, 404, 'folder_not_found');
        expect(ids(await drive.items())).toContain(mover.id);
      }
    }
  });
});

describe("a folder's last_interaction", () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  /** Runs `change` and answers whether the folder's last_interaction moved forward (it must never go back). */
  async function moves(folderId: string, change: () => Promise<unknown>): Promise<boolean> {
    const before = time((await drive.get(folderId)).last_interaction);
    await pause();
    await change();
    const after = time((await drive.get(folderId)).last_interaction);
    expect(after).toBeGreaterThanOrEqual(before);
    return after > before;
  }

  it('moves when a folder is created directly in it', async () => {
    const parent = await drive.folder('Touched by create');
    expect(await moves(parent.id, () => drive.folder('New child', parent.id))).toBe(true);
  });

  it('moves when a folder directly in it is renamed', async () => {
    const parent = await drive.folder('Touched by rename');
    const child = await drive.folder('Child', parent.id);
    expect(await moves(parent.id, () => drive.patch(child.id, { new_name: 'Renamed child' }))).toBe(true);
  });

  it('moves when a folder is moved out of it, and when one is moved into it', async () => {
    const [from, to] = [await drive.folder('Moved out of'), await drive.folder('Moved into')];
    const child = await drive.folder('Traveller', from.id);
    expect(await moves(from.id, () => drive.patch(child.id, { parent_folder_id: to.id }))).toBe(true);
    expect(await moves(to.id, () => drive.patch(child.id, { parent_folder_id: null }))).toBe(true);
    expect(await moves(from.id, () => drive.patch(child.id, { parent_folder_id: from.id }))).toBe(true);
  });

  it('moves when a folder directly in it is deleted', async () => {
    const parent = await drive.folder('Touched by delete');
    const child = await drive.folder('Doomed child', parent.id);
    expect(await moves(parent.id, () => drive.remove(child.id))).toBe(true);
  });

  it('does not move for changes further down, only directly in it', async () => {
    const [top, middle] = await drive.folders('Far top/Far middle');
    expect(await moves(top.id, () => drive.folder('Deep', middle.id))).toBe(false);
  });

  it('does not move when a change is refused', async () => {
    const parent = await drive.folder('Refused changes');
    await drive.folder('Existing', parent.id);
    expect(await moves(parent.id, () => drive.create('EXISTING', parent.id))).toBe(false);
  });
});

describe('authentication on /drive', () => {
  let t: TestApp;
  let owner: Drive;
  let folderId: string;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await newDrive(t);
    folderId = (await owner.folder('Guarded')).id;
  });
  afterAll(() => t.close());

  const routes: [string, (http: TestAgent) => ReturnType<TestAgent['get']>][] = [
    ['POST /drive', (http) => http.post('/drive').send({ folder_name: 'x' })],
    ['GET /drive', (http) => http.get('/drive')],
    ['GET /drive/{id}', (http) => http.get(`/drive/${folderId}`)],
    ['PATCH /drive/{id}', (http) => http.patch(`/drive/${folderId}`).send({ new_name: 'y' })],
    ['DELETE /drive/{id}', (http) => http.delete(`/drive/${folderId}`)],
  ];

  it.each(routes)('answers %s without a token with 401 and WWW-Authenticate: Bearer', async (_, send) => {
    const res = await send(t.http);
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it.each(routes)('answers %s with a malformed token with 401', async (_, send) => {
    expectProblem(await send(t.http).set('Authorization', 'Bearer not.a.jwt'), 401, 'unauthorized');
  });

  it('changed nothing: the folder is still there, with its name, and alone', async () => {
    expect(names(await owner.items())).toEqual(['Guarded']);
  });
});

// Last, and with an app of its own: on the embedded PostgreSQL, concurrent requests can wedge connections
// (see the report), and this keeps that from reaching the other suites.
describe('keyset pagination over folders created all at once', () => {
  let t: TestApp;
  let drive: Drive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = await newDrive(t);
  });
  afterAll(() => t.close());

  it('pages through folders created all at once (created_at may tie) in every order', async () => {
    const parallel = await drive.folder('Parallel');
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => drive.create(`P${String(i).padStart(2, '0')}`, parallel.id)),
    );
    expect(results.map((res) => res.status)).toEqual(Array(25).fill(201));
    for (const [sortBy, order, limit] of [
      ['created_at', 'ASC', 10],
      ['created_at', 'DESC', 10],
      ['created_at', 'ASC', 3],
      ['last_interaction', 'DESC', 4],
      ['name', 'ASC', 7],
    ] as const) {
      await expectPagesMatchListing(drive, parallel.id, { sort_by: sortBy, order }, limit);
    }
  });
});
