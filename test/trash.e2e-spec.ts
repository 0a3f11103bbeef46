import { randomUUID } from 'node:crypto';
import { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { ObjectStorage, objectKeys } from '@app/storage';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { ITEM_KEYS, expectProblem, expectStatus } from './support/expectations';
import { Item } from './support/drive-files';
import { WorkerlessDrive } from './support/workerless-drive';

const DAY_MS = 24 * 3600 * 1000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface TrashItem extends Item {
  deleted_at: string;
  purge_at: string;
}

interface TrashPage {
  items: TrashItem[];
  next_cursor: string | null;
}

/** A 422 that names `field`. */
function expectValidationError(res: Response, field: string): void {
  expectProblem(res, 422, 'validation_failed');
  expect(res.body.errors).toContainEqual({ field, message: expect.stringMatching(/\S/) });
}

const names = (items: Item[]): string[] => items.map((item) => item.name);
const ids = (items: Item[]): string[] => items.map((item) => item.id);
const time = (iso: string): number => new Date(iso).getTime();
const forgeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** One user of the API, driving their drive and trash over HTTP (the test confirms their uploads). */
class User extends WorkerlessDrive {
  override async trash(): Promise<TrashItem[]> {
    return (await super.trash()) as TrashItem[];
  }

  listFolder(folderId: string): Promise<Response> {
    return this.t.http.get(`/drive/${folderId}`).set(this.auth);
  }

  restore(id: string): Promise<Response> {
    return this.t.http.post(`/trash/${id}/restore`).set(this.auth);
  }

  async restored(id: string): Promise<Item> {
    const res = await this.restore(id);
    expectStatus(res, 200);
    return res.body;
  }

  purge(id: string): Promise<Response> {
    return this.t.http.delete(`/trash/${id}`).set(this.auth);
  }

  empty(): Promise<Response> {
    return this.t.http.delete('/trash').set(this.auth);
  }
}

async function newUser(t: TestApp): Promise<User> {
  return new User(t, await registerAndLogin(t.http));
}

/** Whether storage holds the object. */
async function stored(t: TestApp, key: string): Promise<boolean> {
  return (await t.app.get(ObjectStorage).head(key)) !== null;
}

describe('deleting puts items in the trash (GET /trash)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists a deleted folder, not its contents, with deleted_at and purge_at 30 days later', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Projects');
    const inner = await user.folder('Inner', folder.id);
    await user.file('plan.txt', 'the plan', { parentId: folder.id });
    await user.file('deep.txt', 'deep', { parentId: inner.id });

    await user.remove(folder);

    const trash = await user.trash();
    expect(ids(trash)).toEqual([folder.id]);
    const [entry] = trash;
    expect(Object.keys(entry).sort()).toEqual([...ITEM_KEYS, 'deleted_at', 'purge_at'].sort());
    expect(entry).toMatchObject({ id: folder.id, kind: 'folder', name: 'Projects', parent_folder_id: null });
    expect(entry.permission).toBe('owner');
    expect(entry.owner).toEqual({ id: user.id, username: user.account.username });
    expect(entry.deleted_at).toMatch(ISO_UTC);
    expect(entry.purge_at).toMatch(ISO_UTC);
    expect(time(entry.purge_at) - time(entry.deleted_at)).toBe(30 * DAY_MS);
    // Gone from the drive: neither the folder nor what was in it can be listed.
    expect(ids(await user.items())).not.toContain(folder.id);
    expectProblem(await user.listFolder(folder.id), 404, 'folder_not_found');
    expectProblem(await user.listFolder(inner.id), 404, 'folder_not_found');
  });

  it('lists a deleted file, which is no longer in its folder', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Docs');
    const file = await user.file('letter.txt', 'Dear', { parentId: folder.id });
    await user.remove(file);
    const trash = await user.trash();
    expect(ids(trash)).toEqual([file.id]);
    expect(trash[0]).toMatchObject({ kind: 'file', name: 'letter.txt', size_in_bytes: 4, parent_folder_id: folder.id });
    expect(await user.items(folder.id)).toEqual([]);
  });

  it('lists a file deleted on its own before its folder as a separate entry', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Box');
    const file = await user.file('early.txt', 'x', { parentId: folder.id });
    await user.remove(file);
    await user.remove(folder);
    expect(ids(await user.trash())).toEqual([folder.id, file.id]);
  });

  it('lists the most recently deleted first', async () => {
    const user = await newUser(t);
    const a = await user.folder('A');
    const b = await user.file('b.txt', 'b');
    const c = await user.folder('C');
    for (const item of [b, c, a]) await user.remove(item);
    const trash = await user.trash();
    expect(ids(trash)).toEqual([a.id, c.id, b.id]);
    expect(time(trash[0].deleted_at)).toBeGreaterThanOrEqual(time(trash[1].deleted_at));
    expect(time(trash[1].deleted_at)).toBeGreaterThanOrEqual(time(trash[2].deleted_at));
  });

  it('pages with limit and cursor: disjoint pages that together are the whole trash, in order', async () => {
    const user = await newUser(t);
    for (let i = 0; i < 7; i++) await user.remove(await user.folder(`Folder ${i}`));
    const all = await user.trash();
    expect(all).toHaveLength(7);

    const pages: TrashItem[][] = [];
    let cursor: string | null = null;
    do {
      const res = await user.listTrash({ limit: 3, ...(cursor === null ? {} : { cursor }) });
      expectStatus(res, 200);
      const page = res.body as TrashPage;
      pages.push(page.items);
      cursor = page.next_cursor;
      expect(pages.length).toBeLessThan(10);
    } while (cursor !== null);

    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(ids(pages.flat())).toEqual(ids(all));
  });

  it('answers next_cursor null when the last page is exactly full', async () => {
    const user = await newUser(t);
    for (let i = 0; i < 2; i++) await user.remove(await user.folder(`F${i}`));
    const res = await user.listTrash({ limit: 2 });
    expectStatus(res, 200);
    expect(res.body.items).toHaveLength(2);
    expect(res.body.next_cursor).toBeNull();
  });

  it('shows only the caller’s trash', async () => {
    const mine = await newUser(t);
    const theirs = await newUser(t);
    const folder = await theirs.folder('Private');
    await theirs.remove(folder);
    expect(await mine.trash()).toEqual([]);
    expect(ids(await theirs.trash())).toEqual([folder.id]);
  });

  it.each([
    ['not base64 JSON', 'garbage!!'],
    ['base64 of something that is not JSON', Buffer.from('not json').toString('base64url')],
    ['a folder listing’s cursor', forgeCursor([0, 'a', randomUUID(), 'name', 'ASC'])],
    ['a cursor with a time that is not a time', forgeCursor({ deletedAt: 'not a time', id: randomUUID() })],
    ['a cursor with a day that does not exist', forgeCursor({ deletedAt: '2026-02-30 10:00:00+00', id: randomUUID() })],
    ['a cursor whose id is not a UUID', forgeCursor({ deletedAt: '2026-01-01 00:00:00+00', id: '-'.repeat(36) })],
  ])('refuses a cursor that is %s with 422 naming cursor', async (_, cursor) => {
    const user = await newUser(t);
    expectValidationError(await user.listTrash({ cursor }), 'cursor');
  });

  it.each([0, 1001, 'ten'])('refuses limit=%s with 422 naming limit', async (limit) => {
    const user = await newUser(t);
    expectValidationError(await user.listTrash({ limit }), 'limit');
  });

  it('keeps counting the trash against the quota', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Heavy');
    await user.file('one.txt', '12345', { parentId: folder.id });
    const loose = await user.file('two.txt', '1234567');
    const before = await user.storage();
    expect(before.used).toBe(12);

    await user.remove(folder);
    await user.remove(loose);

    expect(await user.storage()).toEqual(before);
    expect(await user.quota()).toEqual({ used: 12, reserved: 0 });
  });
});

describe('the retention is configurable (TRASH_RETENTION_DAYS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRASH_RETENTION_DAYS: '7' });
  });
  afterAll(() => t.close());

  it('shows purge_at as deleted_at plus that many days', async () => {
    const user = await newUser(t);
    await user.remove(await user.folder('Week'));
    const [entry] = await user.trash();
    expect(time(entry.purge_at) - time(entry.deleted_at)).toBe(7 * DAY_MS);
  });
});

describe('restoring (POST /trash/{id}/restore)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('puts a folder back at its old parent with its whole subtree, listable again', async () => {
    const user = await newUser(t);
    const home = await user.folder('Home');
    const folder = await user.folder('Album', home.id);
    const inner = await user.folder('2024', folder.id);
    const photo = await user.file('beach.txt', 'sand', { parentId: inner.id });
    const cover = await user.file('cover.txt', 'c', { parentId: folder.id });
    await user.remove(folder);

    const restored = await user.restored(folder.id);

    expect(restored).toMatchObject({ id: folder.id, kind: 'folder', name: 'Album', parent_folder_id: home.id });
    expect(Object.keys(restored).sort()).toEqual(ITEM_KEYS);
    expect(ids(await user.items(home.id))).toEqual([folder.id]);
    expect(ids(await user.items(folder.id))).toEqual([inner.id, cover.id]);
    expect(ids(await user.items(inner.id))).toEqual([photo.id]);
    expect(await user.download(photo.id)).toBe('sand');
    expect(await user.trash()).toEqual([]);
  });

  it('puts a file back in its old folder', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Letters');
    const file = await user.file('hello.txt', 'hello', { parentId: folder.id });
    await user.remove(file);

    const restored = await user.restored(file.id);

    expect(restored).toMatchObject({ id: file.id, name: 'hello.txt', parent_folder_id: folder.id, size_in_bytes: 5 });
    expect(ids(await user.items(folder.id))).toEqual([file.id]);
    expect(await user.download(file.id)).toBe('hello');
  });

  it('puts an item at the root when its old folder is in the trash itself', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Gone');
    const file = await user.file('survivor.txt', 's', { parentId: folder.id });
    await user.remove(file);
    await user.remove(folder);

    const restored = await user.restored(file.id);

    expect(restored.parent_folder_id).toBeNull();
    expect(ids(await user.items())).toContain(file.id);
    // The folder is still in the trash, and restoring it does not bring the file back into it.
    expect(ids(await user.trash())).toEqual([folder.id]);
    await user.restored(folder.id);
    expect(await user.items(folder.id)).toEqual([]);
  });

  it('puts an item at the root when its old folder was purged', async () => {
    const user = await newUser(t);
    const outer = await user.folder('Outer');
    const middle = await user.folder('Middle', outer.id);
    const file = await user.file('kept.txt', 'k', { parentId: middle.id });
    const sub = await user.folder('Sub', middle.id);
    await user.remove(file);
    await user.remove(sub);
    await user.remove(outer);

    expectStatus(await user.purge(outer.id), 204);

    // Trashed on their own before, they stay in the trash.
    const trash = await user.trash();
    expect(ids(trash).sort()).toEqual([file.id, sub.id].sort());
    expect((await user.restored(file.id)).parent_folder_id).toBeNull();
    expect((await user.restored(sub.id)).parent_folder_id).toBeNull();
    expect(ids(await user.items()).sort()).toEqual([file.id, sub.id].sort());
    expect(await user.download(file.id)).toBe('k');
  });

  it('gives a restored file whose name was taken a (N) suffix, as "Keep" does', async () => {
    const user = await newUser(t);
    const first = await user.file('notes.txt', 'first');
    await user.remove(first);
    const second = await user.file('notes.txt', 'second');
    await user.remove(second);
    await user.file('NOTES.txt', 'third');

    expect((await user.restored(first.id)).name).toBe('notes(1).txt');
    expect((await user.restored(second.id)).name).toBe('notes(2).txt');
    expect(names(await user.items()).sort()).toEqual(['NOTES.txt', 'notes(1).txt', 'notes(2).txt']);
    expect(await user.download(first.id)).toBe('first');
  });

  it('gives a restored folder whose name was taken a (N) suffix', async () => {
    const user = await newUser(t);
    const parent = await user.folder('Parent');
    const old = await user.folder('Photos', parent.id);
    await user.file('a.txt', 'a', { parentId: old.id });
    await user.remove(old);
    await user.folder('Photos', parent.id);

    const restored = await user.restored(old.id);

    expect(restored).toMatchObject({ name: 'Photos(1)', parent_folder_id: parent.id });
    expect(names(await user.items(parent.id)).sort()).toEqual(['Photos', 'Photos(1)']);
    expect(names(await user.items(old.id))).toEqual(['a.txt']);
  });

  it('answers 404 trash_item_not_found for a live item', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Alive');
    const file = await user.file('alive.txt', 'a');
    expectProblem(await user.restore(folder.id), 404, 'trash_item_not_found');
    expectProblem(await user.restore(file.id), 404, 'trash_item_not_found');
  });

  it('answers 404 trash_item_not_found for an item inside a trashed folder, which stays there', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Closed');
    const file = await user.file('inside.txt', 'i', { parentId: folder.id });
    const sub = await user.folder('Sub', folder.id);
    await user.remove(folder);
    expectProblem(await user.restore(file.id), 404, 'trash_item_not_found');
    expectProblem(await user.restore(sub.id), 404, 'trash_item_not_found');
    expect(ids(await user.items())).toEqual([]);
    await user.restored(folder.id);
    expect(ids(await user.items(folder.id))).toEqual([sub.id, file.id]);
  });

  it('answers 404 trash_item_not_found for an unknown id, and for an item already restored', async () => {
    const user = await newUser(t);
    expectProblem(await user.restore(randomUUID()), 404, 'trash_item_not_found');
    const folder = await user.folder('Twice');
    await user.remove(folder);
    await user.restored(folder.id);
    expectProblem(await user.restore(folder.id), 404, 'trash_item_not_found');
    expect(names(await user.items())).toEqual(['Twice']);
  });

  it('answers another user’s trash item exactly like an unknown one, and leaves it in their trash', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const theirs = await other.file('secret.txt', 'secret');
    await other.remove(theirs);
    const foreign = await user.restore(theirs.id);
    const unknown = await user.restore(randomUUID());
    expectProblem(foreign, 404, 'trash_item_not_found');
    expect(foreign.body.detail).toBe(unknown.body.detail);
    expect(ids(await other.trash())).toEqual([theirs.id]);
    expect(await user.items()).toEqual([]);
  });

  it('answers a malformed id with 422 naming item_id', async () => {
    const user = await newUser(t);
    expectValidationError(await user.restore('not-a-uuid'), 'item_id');
  });

  // Races: on PostgreSQL the two requests overlap (the embedded one runs them one after the other); a few
  // rounds make an overlap near certain.
  it('restores an item once when asked twice at the same time: its name is left alone', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser(t);
      const file = await user.file('double.txt', 'dd');
      await user.remove(file);
      const answers = await Promise.all([user.restore(file.id), user.restore(file.id)]);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 404]);
      expect(names(await user.items())).toEqual(['double.txt']);
    }
  });

  it('either restores or purges an item asked both at the same time, never half of each', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser(t);
      const folder = await user.folder('Contested');
      const file = await user.file('inside.txt', 'inside', { parentId: folder.id });
      await user.remove(folder);
      const [restore, purge] = await Promise.all([user.restore(folder.id), user.purge(folder.id)]);
      if (restore.status === 200) {
        expectProblem(purge, 404, 'trash_item_not_found');
        expect(ids(await user.items(folder.id))).toEqual([file.id]);
        expect(await user.quota()).toEqual({ used: 6, reserved: 0 });
      } else {
        expectProblem(restore, 404, 'trash_item_not_found');
        expectStatus(purge, 204);
        expect(await user.items()).toEqual([]);
        expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
      }
      expect(await user.trash()).toEqual([]);
    }
  });
});

describe('purging one item (DELETE /trash/{id})', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('deletes a file for good: 204, out of the trash, not restorable, its bytes gone, its quota freed', async () => {
    const user = await newUser(t);
    const keep = await user.file('keep.txt', 'keep me');
    const file = await user.file('bye.txt', 'goodbye!');
    const key = objectKeys.file(user.id, file.id);
    // A preview as the workers leave one: stored, and named by the file's row.
    const preview = objectKeys.previewOf(key);
    await t.app.get(ObjectStorage).write(preview, Buffer.from('a preview'), 'image/webp');
    await t.app
      .get(DataSource)
      .query(`UPDATE items SET preview_status = 'ready', preview_key = $2 WHERE id = $1`, [file.id, preview]);
    await user.remove(file);
    expect(await stored(t, key)).toBe(true);
    expect((await user.storage()).used).toBe(15);

    const res = await user.purge(file.id);

    expectStatus(res, 204);
    expect(res.text).toBe('');
    expect(await user.trash()).toEqual([]);
    expectProblem(await user.restore(file.id), 404, 'trash_item_not_found');
    expectProblem(await user.purge(file.id), 404, 'trash_item_not_found');
    expect(await stored(t, key)).toBe(false);
    expect(await stored(t, preview)).toBe(false);
    expect(await stored(t, objectKeys.file(user.id, keep.id))).toBe(true);
    const figures = await user.storage();
    expect(figures.used).toBe(7);
    expect(figures.available).toBe(figures.total - 7);
    expect(await user.quota()).toEqual({ used: 7, reserved: 0 });
  });

  it('deletes a folder with everything in it: every file’s bytes gone, all their quota freed', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Old');
    const sub = await user.folder('Older', folder.id);
    const files = [
      await user.file('a.txt', 'aaa', { parentId: folder.id }),
      await user.file('b.txt', 'bbbbb', { parentId: sub.id }),
      await user.file('c.txt', 'cc', { parentId: sub.id }),
    ];
    const outside = await user.file('outside.txt', 'o');
    expect(await user.quota()).toEqual({ used: 11, reserved: 0 });
    await user.remove(folder);

    expectStatus(await user.purge(folder.id), 204);

    for (const file of files) expect(await stored(t, objectKeys.file(user.id, file.id))).toBe(false);
    expect(await stored(t, objectKeys.file(user.id, outside.id))).toBe(true);
    expect(await user.quota()).toEqual({ used: 1, reserved: 0 });
    expect(await user.trash()).toEqual([]);
    expectProblem(await user.restore(sub.id), 404, 'trash_item_not_found');
    const rows = await t.app.get(DataSource).query('SELECT id FROM items WHERE owner_id = $1', [user.id]);
    expect(rows.map((row: { id: string }) => row.id)).toEqual([outside.id]);
  });

  it('frees what a deleted file’s upload in flight had reserved, and deletes its bytes', async () => {
    const user = await newUser(t);
    const file = await user.file('draft.txt', 'v1');
    const { upload } = await user.requestUpload('draft.txt', 4, { conflict: 'Replace' });
    const url = new URL(upload.url);
    expectStatus(
      await t.http
        .put(url.pathname + url.search)
        .set('Content-Type', 'text/plain')
        .send(Buffer.from('v2!!')),
      200,
    );
    const pending = await user.requestUpload('pending.txt', 9);
    expect(await user.quota()).toEqual({ used: 2, reserved: 13 });
    await user.remove(file);
    await user.remove(pending.file);
    // A file whose first upload never came is not kept in the trash: it goes at once, with its reservation.
    expect(await user.quota()).toEqual({ used: 2, reserved: 4 });

    expectStatus(await user.purge(file.id), 204);
    expectProblem(await user.purge(pending.file.id), 404, 'trash_item_not_found');

    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect((await t.app.get(ObjectStorage).list(`files/${user.id}/`)).objects).toEqual([]);
  });

  it('keeps an item that had been trashed on its own inside a purged folder, restorable at the root', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Purged');
    const file = await user.file('saved.txt', 'saved', { parentId: folder.id });
    const gone = await user.file('gone.txt', 'gone', { parentId: folder.id });
    await user.remove(file);
    await user.remove(folder);

    expectStatus(await user.purge(folder.id), 204);

    expect(ids(await user.trash())).toEqual([file.id]);
    expect(await stored(t, objectKeys.file(user.id, file.id))).toBe(true);
    expect(await stored(t, objectKeys.file(user.id, gone.id))).toBe(false);
    expect(await user.quota()).toEqual({ used: 5, reserved: 0 });
    expect((await user.restored(file.id)).parent_folder_id).toBeNull();
    expect(await user.download(file.id)).toBe('saved');
  });

  it('answers 404 trash_item_not_found for a live item, an item inside a trashed folder, or another user’s', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const live = await user.file('live.txt', 'l');
    const folder = await user.folder('Bin');
    const inside = await user.file('in.txt', 'i', { parentId: folder.id });
    await user.remove(folder);
    const theirs = await other.folder('Theirs');
    await other.remove(theirs);

    expectProblem(await user.purge(live.id), 404, 'trash_item_not_found');
    expectProblem(await user.purge(inside.id), 404, 'trash_item_not_found');
    expectProblem(await user.purge(theirs.id), 404, 'trash_item_not_found');
    expectProblem(await user.purge(randomUUID()), 404, 'trash_item_not_found');

    expect(ids(await user.items())).toEqual([live.id]);
    expect(ids(await other.trash())).toEqual([theirs.id]);
    await user.restored(folder.id);
    expect(ids(await user.items(folder.id))).toEqual([inside.id]);
  });

  it('answers a malformed id with 422 naming item_id', async () => {
    const user = await newUser(t);
    expectValidationError(await user.purge('123'), 'item_id');
  });
});

describe('emptying the trash (DELETE /trash)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('purges everything of the caller, and nothing of anyone else', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const folder = await user.folder('Full');
    const inFolder = await user.file('in.txt', 'inside', { parentId: folder.id });
    const loose = await user.file('loose.txt', 'loose');
    const kept = await user.file('kept.txt', 'kept');
    await user.remove(inFolder);
    await user.remove(folder);
    await user.remove(loose);
    const theirs = await other.file('theirs.txt', 'theirs');
    const theirFolder = await other.folder('Their folder');
    await other.remove(theirs);
    await other.remove(theirFolder);

    const res = await user.empty();

    expectStatus(res, 204);
    expect(await user.trash()).toEqual([]);
    expect(await user.quota()).toEqual({ used: 4, reserved: 0 });
    for (const file of [inFolder, loose]) {
      expect(await stored(t, objectKeys.file(user.id, file.id))).toBe(false);
      expectProblem(await user.restore(file.id), 404, 'trash_item_not_found');
    }
    expect(ids(await user.items())).toEqual([kept.id]);

    expect(ids(await other.trash())).toEqual([theirFolder.id, theirs.id]);
    expect(await other.quota()).toEqual({ used: 6, reserved: 0 });
    expect(await stored(t, objectKeys.file(other.id, theirs.id))).toBe(true);
    await other.restored(theirs.id);
    expect(await other.download(theirs.id)).toBe('theirs');
  });

  it('answers 204 for an empty trash', async () => {
    const user = await newUser(t);
    expectStatus(await user.empty(), 204);
  });
});

describe('quota bookkeeping from upload to purge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reserves, uses, swaps and frees exactly the bytes at every step', async () => {
    const user = await newUser(t);
    const { total } = await user.storage();

    const first = await user.requestUpload('report.txt', 100);
    expect(await user.quota()).toEqual({ used: 0, reserved: 100 });
    expect((await user.storage()).available).toBe(total - 100);

    await user.arrive(first.file.id, first.upload, 'a'.repeat(100));
    expect(await user.quota()).toEqual({ used: 100, reserved: 0 });

    const replace = await user.requestUpload('report.txt', 250, { conflict: 'Replace' });
    expect(replace.file.id).toBe(first.file.id);
    expect(await user.quota()).toEqual({ used: 100, reserved: 250 });
    expect((await user.storage()).available).toBe(total - 350);

    // The replaced bytes are kept as a version: they go on counting until the purge.
    await user.arrive(first.file.id, replace.upload, 'b'.repeat(250));
    expect(await user.quota()).toEqual({ used: 350, reserved: 0 });
    expect(await user.download(first.file.id)).toBe('b'.repeat(250));
    expect(await stored(t, objectKeys.file(user.id, first.file.id))).toBe(true);

    await user.remove(first.file);
    expect(await user.quota()).toEqual({ used: 350, reserved: 0 });

    expectStatus(await user.purge(first.file.id), 204);
    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect(await user.storage()).toEqual({ used: 0, available: total, total });
    expect((await t.app.get(ObjectStorage).list(`files/${user.id}/`)).objects).toEqual([]);
  });
});
