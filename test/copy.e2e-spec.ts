import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ObjectStorage, objectKeys } from '@app/storage';
import { download, expectProblem, expectStatus, Item, sendBytes } from './support/drive-files';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { s3rverStore, StoreUnderTest } from './support/s3-store';
import { startTestApp, TestApp } from './support/test-app';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

interface Result {
  index: number;
  status: number;
  item?: Item;
  error?: { status: number; code: string; detail: string; max_entries?: number };
}

type Store = () => Promise<StoreUnderTest>;

/** An app on the store `store` gives, and three users; closed after the suite. */
function withApp(store: Store, env: Record<string, string> = {}) {
  const ctx = {} as { t: TestApp; owner: SharingDrive; editor: SharingDrive; viewer: SharingDrive };
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const given = await store();
    close = given.close;
    ctx.t = await startTestApp({ ...given.env, ...env });
    [ctx.owner, ctx.editor, ctx.viewer] = [
      await newSharingDrive(ctx.t),
      await newSharingDrive(ctx.t),
      await newSharingDrive(ctx.t),
    ];
  });
  afterAll(async () => {
    await ctx.t?.close();
    await close?.();
  });
  return ctx;
}

/** POST /batch/copy, which must answer 200: the results, in order. */
async function copy(t: TestApp, drive: SharingDrive, items: Item[], parentFolderId: string | null): Promise<Result[]> {
  const res = await t.http
    .post('/batch/copy')
    .set(drive.auth)
    .send({ items: items.map(({ kind, id }) => ({ kind, id })), parent_folder_id: parentFolderId });
  expectStatus(res, 200);
  expect(res.body.results.map((result: Result) => result.index)).toEqual(items.map((_, i) => i));
  return res.body.results;
}

const summary = (results: Result[]) => results.map((result) => result.error?.code ?? result.status);

/** The objects kept under a user's prefixes (their files' bytes and previews). */
async function objectsOf(t: TestApp, userId: string): Promise<string[]> {
  const storage = t.app.get(ObjectStorage);
  const keys: string[] = [];
  for (const prefix of [`files/${userId}/`, `previews/${userId}/`]) {
    keys.push(...(await storage.list(prefix)).objects.map((object) => object.key));
  }
  return keys.sort();
}

function copySuite(store: Store) {
  const ctx = withApp(store);

  it('copies a file inside storage: a new file with the same bytes and type, independent of its source', async () => {
    const { t, owner } = ctx;
    const bytes = randomBytes(70 * 1024);
    const source = await owner.confirmedFile('report.pdf', null, bytes);
    const target = await owner.folder(`Copies ${randomUUID()}`);
    const before = (await owner.figures()).used_storage_in_bytes;

    const [result] = await copy(t, owner, [source], target.id);
    expect(result.status).toBe(201);
    const made = result.item!;
    expect(made).toMatchObject({
      kind: 'file',
      name: 'report.pdf',
      size_in_bytes: bytes.length,
      content_type: 'application/octet-stream',
      parent_folder_id: target.id,
      permission: 'owner',
    });
    expect(made.id).not.toBe(source.id);
    expect(await owner.bytesOf(made.id)).toEqual(bytes);
    expect((await owner.figures()).used_storage_in_bytes).toBe(before + bytes.length);

    // Renamed, then deleted for good, the source takes nothing of the copy along.
    expectStatus(await owner.patch(source.id, { file_name: 'renamed.pdf' }), 200);
    expectStatus(await owner.remove(source.id), 204);
    expectStatus(await t.http.delete(`/trash/${source.id}`).set(owner.auth), 204);
    expect(await owner.bytesOf(made.id)).toEqual(bytes);
    expect((await owner.listed(made.id, target.id))?.name).toBe('report.pdf');
    expect((await owner.figures()).used_storage_in_bytes).toBe(before);
  });

  it('keeps both when the name is taken: name(1), name(2)…, as "Keep" does for uploads', async () => {
    const { t, owner } = ctx;
    const folder = await owner.folder(`Here ${randomUUID()}`);
    const file = await owner.confirmedFile('notes.txt', folder.id);
    const sub = await owner.folder('v1.2', folder.id);
    const results = await copy(t, owner, [file, file, sub], folder.id);
    expect(summary(results)).toEqual([201, 201, 201]);
    expect(results.map((result) => result.item!.name)).toEqual(['notes(1).txt', 'notes(2).txt', 'v1.2(1)']);
    expect((await owner.items(folder.id)).map((item) => item.name).sort()).toEqual(
      ['notes(1).txt', 'notes(2).txt', 'notes.txt', 'v1.2', 'v1.2(1)'].sort(),
    );
    // A name as long as names go cannot be numbered: a conflict, not a name cut short.
    const long = await owner.confirmedFile(`${'n'.repeat(251)}.txt`, folder.id);
    const [refused] = await copy(t, owner, [long], folder.id);
    expect(refused.error).toMatchObject({ status: 409, code: 'file_name_conflict' });
  });

  it('copies a folder with everything live in it, names and bytes, but not its trash nor uploads in flight', async () => {
    const { t, owner } = ctx;
    const trip = await owner.folder(`Trip ${randomUUID()}`);
    const day = await owner.folder('Day 1', trip.id);
    await owner.folder('Empty', trip.id);
    const photo = randomBytes(200 * 1024);
    await owner.confirmedFile('naïve résumé 你好.txt', trip.id, Buffer.from('unicode'));
    await owner.confirmedFile('photo.bin', day.id, photo);
    const trashed = await owner.confirmedFile('trashed.txt', trip.id);
    expectStatus(await owner.remove(trashed.id), 204);
    await owner.startUpload('never-sent.txt', Buffer.from('x'), { parent_folder_id: trip.id });
    const before = (await owner.figures()).used_storage_in_bytes;

    const [result] = await copy(t, owner, [trip], null);
    expect(result.status).toBe(201);
    const made = result.item!;
    // Beside its source at the root: "Keep both".
    expect(made).toMatchObject({ kind: 'folder', name: `${trip.name}(1)`, parent_folder_id: null });
    expect(made.id).not.toBe(trip.id);
    const top = await owner.items(made.id);
    expect(top.map((item) => item.name).sort()).toEqual(['Day 1', 'Empty', 'naïve résumé 你好.txt']);
    const dayCopy = top.find((item) => item.name === 'Day 1')!;
    expect(dayCopy.id).not.toBe(day.id);
    const [photoCopy] = await owner.items(dayCopy.id);
    expect(photoCopy.name).toBe('photo.bin');
    expect(await owner.bytesOf(photoCopy.id)).toEqual(photo);
    const unicode = top.find((item) => item.kind === 'file')!;
    expect((await owner.bytesOf(unicode.id)).toString()).toBe('unicode');
    expect((await owner.figures()).used_storage_in_bytes).toBe(before + photo.length + 'unicode'.length);
    // The copy is whole as a zip is: its uploads-in-flight list is empty.
    const listing = await owner.listing(made.id);
    expect(listing.body.uploads).toEqual([]);
  });

  it('copies a ready preview and the media facts with its file', async () => {
    const { t, owner } = ctx;
    const { file, upload } = await owner.startUpload('photo.png', Buffer.from('not really a png'));
    await sendBytes(upload, Buffer.from('not really a png'));
    const internal = (path: string, body: object) =>
      t.http.post(path).set('X-Lambda-Secret', t.config.auth.lambdaSecret).send(body);
    expectStatus(
      await internal('/confirm-file-upload', { file_id: file.id, size_in_bytes: 16, content_type: 'image/png' }),
      200,
    );
    const preview = randomBytes(2048);
    const previewKey = objectKeys.previewOf(objectKeys.file(owner.account.id, file.id));
    await t.app.get(ObjectStorage).write(previewKey, preview, 'image/jpeg');
    expectStatus(
      await internal('/confirm-file-preview', { file_id: file.id, status: 'ready', width: 40, height: 30 }),
      200,
    );

    // What the workers learnt of the bytes goes along too (a video's length and frame size).
    await t.app
      .get(DataSource)
      .query('UPDATE items SET duration_ms = 61500, media_width = 1920, media_height = 1080 WHERE id = $1', [file.id]);

    const [result] = await copy(t, owner, [file as Item], null);
    expect(result.item).toMatchObject({
      name: 'photo(1).png',
      content_type: 'image/png',
      preview_status: 'ready',
      duration_ms: 61500,
    });
    const res = await owner.preview(result.item!.id);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ width: 40, height: 30 });
    expect((await download(res.body.url)).body).toEqual(preview);
  });

  it('makes no copy at all when a file’s bytes went meanwhile: no rows, no objects, no quota', async () => {
    const { t, owner } = ctx;
    const folder = await owner.folder(`Broken ${randomUUID()}`);
    for (const name of ['a.bin', 'b.bin', 'c.bin']) await owner.confirmedFile(name, folder.id, randomBytes(4096));
    const lost = await owner.confirmedFile('lost.bin', folder.id, randomBytes(4096));
    const [{ object_key: key }] = await t.app
      .get(DataSource)
      .query('SELECT object_key FROM items WHERE id = $1', [lost.id]);
    await t.app.get(ObjectStorage).delete([key]);
    const objects = await objectsOf(t, owner.account.id);
    const root = await owner.items();
    const before = await owner.figures();

    const [result] = await copy(t, owner, [folder], null);
    expect(result.error).toMatchObject({ status: 404, code: 'file_not_found' });
    expect(await owner.items()).toEqual(root);
    expect(await owner.figures()).toEqual(before);
    expect(await objectsOf(t, owner.account.id)).toEqual(objects);
  });

  it('refuses with 507 a copy that does not fit in the quota, leaving everything as it was', async () => {
    const { t, owner } = ctx;
    const folder = await owner.folder(`Heavy ${randomUUID()}`);
    await owner.confirmedFile('big.bin', folder.id, randomBytes(10_000));
    const figures = await owner.figures();
    const objects = await objectsOf(t, owner.account.id);
    await t.app
      .get(DataSource)
      .query('UPDATE users SET quota_bytes = used_bytes + reserved_bytes + 9999 WHERE id = $1', [owner.account.id]);
    try {
      const [result] = await copy(t, owner, [folder], null);
      expect(result.error).toMatchObject({ status: 507, code: 'quota_exceeded' });
      expect((await owner.figures()).used_storage_in_bytes).toBe(figures.used_storage_in_bytes);
      expect(await objectsOf(t, owner.account.id)).toEqual(objects);
    } finally {
      await t.app
        .get(DataSource)
        .query('UPDATE users SET quota_bytes = $2 WHERE id = $1', [owner.account.id, figures.total_storage_in_bytes]);
    }
  });

  it('checks access per item: an editor copies into a shared folder, a viewer copies out into their own drive', async () => {
    const { t, owner, editor, viewer } = ctx;
    const team = await owner.folder(`Team ${randomUUID()}`);
    const doc = await owner.confirmedFile('doc.txt', team.id, Buffer.from('team doc'));
    const mine = await editor.confirmedFile('mine.txt', null, Buffer.from('editor bytes'));
    await owner.share(team, editor, 'edit');
    await owner.share(team, viewer, 'view');
    const ownerUsed = (await owner.figures()).used_storage_in_bytes;
    const editorUsed = (await editor.figures()).used_storage_in_bytes;

    // The editor's own file copied into the owner's folder becomes the owner's, on the owner's quota.
    const intoShared = await copy(t, editor, [mine, doc], team.id);
    expect(summary(intoShared)).toEqual([201, 201]);
    expect(intoShared[0].item).toMatchObject({
      name: 'mine.txt',
      owner: { id: owner.account.id },
      permission: 'edit',
    });
    expect(intoShared[1].item!.name).toBe('doc(1).txt');
    expect(await owner.bytesOf(intoShared[0].item!.id)).toEqual(Buffer.from('editor bytes'));
    expect((await owner.figures()).used_storage_in_bytes).toBe(ownerUsed + 'editor bytes'.length + 'team doc'.length);
    expect((await editor.figures()).used_storage_in_bytes).toBe(editorUsed);

    // The viewer may copy out of the folder into their own drive, and pays for it; not into the folder.
    const viewerUsed = (await viewer.figures()).used_storage_in_bytes;
    const out = await copy(t, viewer, [doc, team], null);
    expect(summary(out)).toEqual([201, 201]);
    expect(out[0].item).toMatchObject({ name: 'doc.txt', owner: { id: viewer.account.id }, permission: 'owner' });
    expect(await viewer.bytesOf(out[0].item!.id)).toEqual(Buffer.from('team doc'));
    expect((await viewer.items(out[1].item!.id)).map((item) => item.name).sort()).toEqual([
      'doc(1).txt',
      'doc.txt',
      'mine.txt',
    ]);
    expect((await viewer.figures()).used_storage_in_bytes).toBe(
      viewerUsed + 3 * 'team doc'.length + 'editor bytes'.length,
    );
    expect(summary(await copy(t, viewer, [doc], team.id))).toEqual(['permission_denied']);

    // What the caller cannot see is not there: neither a source nor a destination.
    const secret = await owner.confirmedFile('secret.txt');
    expect(summary(await copy(t, editor, [secret], null))).toEqual(['file_not_found']);
    const privateFolder = await owner.folder(`Private ${randomUUID()}`);
    expect(summary(await copy(t, editor, [mine], privateFolder.id))).toEqual(['folder_not_found']);
    expect(summary(await copy(t, editor, [{ ...doc, kind: 'folder' }], null))).toEqual(['folder_not_found']);
  });

  it('refuses a pending file, and a request that is not a copy batch, as a whole', async () => {
    const { t, owner } = ctx;
    const { file } = await owner.startUpload('later.txt', Buffer.from('later'));
    expect(summary(await copy(t, owner, [file as Item], null))).toEqual(['file_not_ready']);
    const post = (body: object) => t.http.post('/batch/copy').set(owner.auth).send(body);
    const item = { kind: 'file', id: randomUUID() };
    expectProblem(await post({ items: [item] }), 422, 'validation_failed');
    expectProblem(await post({ items: [], parent_folder_id: null }), 422, 'validation_failed');
    expectProblem(await post({ items: Array(1001).fill(item), parent_folder_id: null }), 422, 'validation_failed');
    expectProblem(
      await t.http.post('/batch/copy').send({ items: [item], parent_folder_id: null }),
      401,
      'unauthorized',
    );
  });
}

describe('copies, embedded store', () => {
  copySuite(async () => ({ env: {} }));
});

describe('copies, on a real S3 server', () => {
  copySuite(() => s3rverStore('copies'));
});

describe('the bound of a folder’s copy', () => {
  const ctx = withApp(async () => ({ env: {} }), { COPY_MAX_ITEMS: '3' });

  it('copies a folder of up to COPY_MAX_ITEMS items (itself included), and refuses more with 413, saying the bound', async () => {
    const { t, owner } = ctx;
    const folder = await owner.folder('Many');
    await owner.folder('1', folder.id);
    await owner.confirmedFile('2.txt', folder.id);
    expect(summary(await copy(t, owner, [folder], null))).toEqual([201]);
    await owner.folder('3', folder.id);
    const objects = await objectsOf(t, owner.account.id);
    const [result] = await copy(t, owner, [folder], null);
    expect(result.error).toMatchObject({ status: 413, code: 'copy_too_large', max_entries: 3 });
    expect((await owner.items()).map((item) => item.name).sort()).toEqual(['Many', 'Many(1)']);
    expect(await objectsOf(t, owner.account.id)).toEqual(objects);
  });
});
