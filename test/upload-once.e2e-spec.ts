/**
 * An upload URL writes once (issue 11): the replays that a URL living 15 minutes allowed, on the embedded store
 * (its own routes and workers' thread) and on a real S3 server (s3rver, patched to honour If-None-Match as S3
 * does, with the workers fed its events). Each replay is judged by what a client and the operator see: the bytes
 * a download serves, the type, the preview, the quota, and the objects left under files/.
 */
import { DataSource } from 'typeorm';
import { ObjectStorage, objectKeys } from '@app/storage';
import { download, eventually, expectProblem, expectStatus, Item, pngImage, put, Upload } from './support/drive-files';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';
import { appOnS3rverWithWorkers } from './support/s3-store';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

/** Every user's quota here: a replay that slipped through would show in it at once. */
const QUOTA = 50_000;
const BUCKET = 'upload-once';

/** One store, running the API and the workers. */
interface Store {
  t: TestApp;
  storage: ObjectStorage;
  /** Checks storage's answer to a write-once URL used again. */
  expectUsed(res: Response): Promise<void>;
  /** Failures of the workers' handling of events (none is expected). */
  failures: unknown[];
  close(): Promise<void>;
}

async function embeddedStore(): Promise<Store> {
  const t = await startTestApp({ EMBEDDED_WORKERS: 'true', USER_QUOTA_BYTES: String(QUOTA) });
  return {
    t,
    storage: t.app.get(ObjectStorage),
    async expectUsed(res) {
      expect(res.status).toBe(412);
      expect(await res.json()).toMatchObject({ code: 'upload_already_received', status: 412 });
    },
    failures: [],
    close: () => t.close(),
  };
}

async function s3Store(): Promise<Store> {
  const { t, failures, close } = await appOnS3rverWithWorkers(BUCKET, { USER_QUOTA_BYTES: String(QUOTA) });
  return {
    t,
    storage: t.app.get(ObjectStorage),
    async expectUsed(res) {
      expect(res.status).toBe(412);
      expect(await res.text()).toContain('<Code>PreconditionFailed</Code>');
    },
    failures,
    close,
  };
}

/** HTML of exactly `size` bytes: what a replay would put in place of an image. */
function htmlOf(size: number): Buffer {
  const html = Buffer.alloc(size, ' ');
  html.write('<html><script>alert(1)</script>');
  return html;
}

describe.each([
  ['the embedded store', embeddedStore],
  ['S3 (s3rver)', s3Store],
])('an upload URL writes once, on %s', (_name, start) => {
  let store: Store;
  beforeAll(async () => {
    store = await start();
  });
  // Closing stops the workers' thread and drops the test's schema: slow on a loaded PostgreSQL server (seen > 30 s).
  afterAll(() => store?.close(), 120_000);
  afterEach(() => {
    expect(store.failures).toEqual([]);
  });

  const newDrive = (): Promise<SharingDrive> => newSharingDrive(store.t);

  /** The objects stored under the user's files/ prefix. */
  async function objectsOf(drive: SharingDrive): Promise<string[]> {
    const page = await store.storage.list(`${objectKeys.filesPrefix}${drive.account.id}/`);
    return page.objects.map((object) => object.key);
  }

  /** The user's quota columns. */
  async function quotaOf(drive: SharingDrive): Promise<{ used: number; reserved: number }> {
    const rows: { used: string; reserved: string }[] = await store.t.app
      .get(DataSource)
      .query('SELECT used_bytes AS used, reserved_bytes AS reserved FROM users WHERE id = $1', [drive.account.id]);
    return { used: Number(rows[0].used), reserved: Number(rows[0].reserved) };
  }

  /** What the user is shown and charged: used bytes, and what is left. */
  async function expectCharged(drive: SharingDrive, used: number): Promise<void> {
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: used,
      available_storage_in_bytes: QUOTA - used,
    });
    expect(await quotaOf(drive)).toEqual({ used, reserved: 0 });
  }

  /** Waits until the user's objects under files/ are exactly `keys` (the workers handled what arrived). */
  function objectsBecome(drive: SharingDrive, keys: string[]): Promise<true> {
    return eventually(`objects of ${drive.account.id} to be ${JSON.stringify(keys)}`, async () =>
      JSON.stringify(await objectsOf(drive)) === JSON.stringify([...keys].sort()) ? true : undefined,
    );
  }

  /** The object key a presigned PUT names. */
  function keyOf(upload: Upload): string {
    const path = decodeURIComponent(new URL(upload.url).pathname);
    return path.slice(path.indexOf(objectKeys.filesPrefix));
  }

  /** A PNG uploaded and confirmed, its preview made: the file, its upload and the preview's bytes. */
  async function confirmedImage(drive: SharingDrive, name: string, parentId: string | null = null) {
    const png = pngImage();
    const { file, upload } = await drive.startUpload(name, png, { parent_folder_id: parentId });
    expect((await put(upload, png)).status).toBe(200);
    await eventually('the image confirmed', async () => ((await drive.get(file.id)).status === 200 ? true : undefined));
    const preview = await drive.waitForPreview(file.id);
    expectStatus(preview, 200);
    const previewBytes = await download(preview.body.url);
    expect(previewBytes.status).toBe(200);
    return { file, upload, png, previewBytes: previewBytes.body };
  }

  /** What a client sees of the file: its bytes (downloaded), its type, its preview's bytes. */
  async function seen(drive: SharingDrive, fileId: string) {
    const res = await drive.get(fileId);
    expectStatus(res, 200);
    const got = await download(res.body.url);
    expect(got.status).toBe(200);
    const preview = await drive.preview(fileId);
    expectStatus(preview, 200);
    return {
      bytes: got.body,
      type: (res.body.file as Item).content_type,
      served: got.headers.get('content-type'),
      preview: (await download(preview.body.url)).body,
    };
  }

  it('(a) refuses HTML PUT again through a confirmed PNG’s URL: every download, a recipient’s too, serves the PNG', async () => {
    const owner = await newDrive();
    const recipient = await newDrive();
    const { file, upload, png, previewBytes } = await confirmedImage(owner, 'photo.png');
    await owner.share(file, recipient, 'view');

    await store.expectUsed(await put(upload, htmlOf(png.length)));

    const expected = { bytes: png, type: 'image/png', served: 'image/png', preview: previewBytes };
    expect(await seen(owner, file.id)).toEqual(expected);
    expect(await seen(recipient, file.id)).toEqual(expected);
    expect(await objectsOf(owner)).toEqual([keyOf(upload)]);
    await expectCharged(owner, png.length);
    await expectCharged(recipient, 0);
  });

  it('(a) takes nothing through the URL of bytes since replaced: the object is deleted, the new bytes stay', async () => {
    const owner = await newDrive();
    const { file, upload: first } = await confirmedImage(owner, 'photo.png');
    const v2 = Buffer.concat([pngImage(), Buffer.from('and more after the image')]);
    const { upload: second } = await owner.startUpload('photo.png', v2, { file_conflict: 'Replace' });
    expect((await put(second, v2)).status).toBe(200);
    await owner.waitForFile(file.id, (item) => item.size_in_bytes === v2.length);
    // The replaced bytes are kept as a version.
    await objectsBecome(owner, [keyOf(first), keyOf(second)].sort());
    const [version] = (await owner.versionsOf(file.id)).versions;

    // Once the version is deleted, the first URL's key is free again: storage takes the bytes, and the event's
    // handling deletes them, since no upload of the file awaits them.
    expectStatus(await owner.deleteVersion(file.id, version.version_id), 204);
    await objectsBecome(owner, [keyOf(second)]);
    expect((await put(first, htmlOf(pngImage().length))).status).toBe(200);
    await objectsBecome(owner, [keyOf(second)]);
    expect(await owner.bytesOf(file.id)).toEqual(v2);
    await expectCharged(owner, v2.length);
  });

  it('(b) takes nothing from an editor whose share was revoked after the URL was handed out', async () => {
    const owner = await newDrive();
    const editor = await newDrive();
    const folder = await owner.folder('shared');
    const share = await owner.share(folder, editor, 'edit');
    const bytes = Buffer.from('written by the editor, before the revocation\n');
    const { file, upload } = await editor.startUpload('late.txt', bytes, {
      parent_folder_id: folder.id,
      content_type: 'text/plain',
    });
    expect(await quotaOf(owner)).toEqual({ used: 0, reserved: bytes.length });
    expectStatus(await owner.deleteShare(share.id), 204);

    expect((await put(upload, bytes)).status).toBe(200);
    await eventually('the upload rejected', async () => ((await owner.get(file.id)).status === 404 ? true : undefined));
    await objectsBecome(owner, []);
    expectProblem(await owner.get(file.id), 404, 'file_not_found');
    expect(await owner.items(folder.id)).toEqual([]);
    await expectCharged(owner, 0);
    await expectCharged(editor, 0);
  });

  it('(b) takes nothing for a file put in the trash meanwhile (with its folder), and a restore brings back no bytes', async () => {
    const owner = await newDrive();
    const bytes = Buffer.from('arriving after the file went to the trash\n');
    const folder = await owner.folder('going');
    const { file, upload } = await owner.startUpload('trashed.txt', bytes, {
      content_type: 'text/plain',
      parent_folder_id: folder.id,
    });
    expectStatus(await owner.removeFolder(folder.id), 204);

    expect((await put(upload, bytes)).status).toBe(200);
    await objectsBecome(owner, []);
    await expectCharged(owner, 0);
    expectStatus(await owner.restore(folder.id), 200);
    expect(await owner.listed(file.id, folder.id)).toBeUndefined();
    expect((await owner.get(file.id)).status).toBe(404);
    await expectCharged(owner, 0);
  });

  it('(b) takes nothing for an upload cancelled (a pending file deleted is gone at once)', async () => {
    const owner = await newDrive();
    const bytes = Buffer.from('arriving after the upload was cancelled\n');
    const { file, upload } = await owner.startUpload('cancelled.txt', bytes, { content_type: 'text/plain' });
    expectStatus(await owner.remove(file.id), 204);
    expectProblem(await store.t.http.delete(`/trash/${file.id}`).set(owner.auth), 404, 'trash_item_not_found');

    expect((await put(upload, bytes)).status).toBe(200);
    await objectsBecome(owner, []);
    await expectCharged(owner, 0);
    expect(await owner.items()).toEqual([]);
  });

  it('(c) takes nothing through the URLs of files purged from the trash: no object, no quota', async () => {
    const owner = await newDrive();
    const size = 40_000;
    const uploads: Upload[] = [];
    for (let i = 0; i < 3; i++) {
      // A pending file deleted on its own is cancelled at once; in a folder, it goes to the trash with it.
      const folder = await owner.folder(`round-${i}`);
      const { upload } = await owner.startUpload(`big-${i}.bin`, size, { parent_folder_id: folder.id });
      expectStatus(await owner.removeFolder(folder.id), 204);
      expectStatus(await store.t.http.delete(`/trash/${folder.id}`).set(owner.auth), 204);
      uploads.push(upload);
    }
    await expectCharged(owner, 0);

    for (const upload of uploads) expect((await put(upload, Buffer.alloc(size, 7))).status).toBe(200);
    await objectsBecome(owner, []);
    await expectCharged(owner, 0);
    expect(await owner.items()).toEqual([]);
  });

  it('stores one of racing PUTs of one URL, refuses the others, and serves and charges exactly that one', async () => {
    const owner = await newDrive();
    const bodies = ['a', 'b', 'c', 'd'].map((letter) => Buffer.alloc(20_000, letter));
    const { file, upload } = await owner.startUpload('raced.txt', bodies[0].length, { content_type: 'text/plain' });

    const answers = await Promise.all(bodies.map((body) => put(upload, body)));
    const won = answers.flatMap((res, i) => (res.status === 200 ? [i] : []));
    expect(won).toHaveLength(1);
    for (const res of answers.filter((_, i) => i !== won[0])) await store.expectUsed(res);

    await owner.waitForFile(file.id);
    expect(await owner.bytesOf(file.id)).toEqual(bodies[won[0]]);
    expect(await objectsOf(owner)).toEqual([keyOf(upload)]);
    await expectCharged(owner, bodies[0].length);
  });
});

describe('the embedded store serves a file’s confirmed bytes only', () => {
  let store: Store;
  beforeAll(async () => {
    store = await embeddedStore();
  });
  // Closing stops the workers' thread and drops the test's schema: slow on a loaded PostgreSQL server (seen > 30 s).
  afterAll(() => store?.close(), 120_000);

  it('pins downloads to the confirmed ETag: bytes put at the key behind the API’s back are never served', async () => {
    const drive = await newSharingDrive(store.t);
    const bytes = Buffer.from('the confirmed bytes\n');
    const item = await drive.upload('pinned.txt', bytes, { content_type: 'text/plain' });
    const res = await drive.get(item.id);
    expectStatus(res, 200);
    expect((await download(res.body.url)).body).toEqual(bytes);

    // Only someone with the store's own access could do this; the URL handed out still refuses to serve it.
    const key = decodeURIComponent(new URL(res.body.url).pathname).slice('/storage/'.length);
    await store.storage.write(key, htmlOf(bytes.length), 'text/html');
    expect((await download(res.body.url)).status).toBe(404);
    expect((await download((await drive.get(item.id)).body.url)).status).toBe(404);
  });

  it('answers a repeated event as the first: a replayed object deleted, the answer unchanged', async () => {
    const drive = await newSharingDrive(store.t);
    const folder = await drive.folder('gone');
    const { file } = await drive.startUpload('gone.txt', 5, {
      content_type: 'text/plain',
      parent_folder_id: folder.id,
    });
    expectStatus(await drive.removeFolder(folder.id), 204);
    expectStatus(await store.t.http.delete(`/trash/${folder.id}`).set(drive.auth), 204);
    const key = objectKeys.file(drive.account.id, file.id);
    const confirm = () =>
      store.t.http
        .post('/confirm-file-upload')
        .set('X-Lambda-Secret', store.t.config.auth.lambdaSecret)
        .send({ file_id: file.id, size_in_bytes: 5, content_type: 'text/plain', object_key: key });
    for (let i = 0; i < 2; i++) {
      await store.storage.write(key, Buffer.from('12345'), 'text/plain');
      expectProblem(await confirm(), 404, 'file_not_found');
      expect(await store.storage.head(key)).toBeNull();
    }
  });
});
