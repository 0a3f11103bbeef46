import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ObjectStorage } from '@app/storage';
import { ArchiveLinks } from '../apps/api/src/modules/archives/archive-links';
import { expectAttachmentOf, expectProblem, expectStatus, Item } from './support/drive-files';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { s3rverStore, StoreUnderTest } from './support/s3-store';
import { startTestApp, TestApp } from './support/test-app';
import { unzip } from './support/zip';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

interface ArchiveLink {
  url: string;
  expires_at: string;
  file_name: string;
  size_in_bytes: number;
  file_count: number;
  folder_count: number;
}

async function fetchZip(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The zip suite, on whichever store the app runs. */
function archiveSuite(env: () => Promise<StoreUnderTest>) {
  let t: TestApp;
  let owner: SharingDrive;
  let viewer: SharingDrive;
  let stranger: SharingDrive;
  let closeStore: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const store = await env();
    closeStore = store.close;
    t = await startTestApp(store.env);
    [owner, viewer, stranger] = [await newSharingDrive(t), await newSharingDrive(t), await newSharingDrive(t)];
  });
  afterAll(async () => {
    await t.close();
    await closeStore?.();
  });

  const requestLink = (drive: SharingDrive, folderId: string) =>
    t.http.post(`/drive/${folderId}/archive`).set(drive.auth);

  async function link(drive: SharingDrive, folder: Item): Promise<ArchiveLink> {
    const res = await requestLink(drive, folder.id);
    expectStatus(res, 200);
    return res.body;
  }

  /** Trip/ with files, a subfolder with a file and an empty folder, plus what must stay out of its zip. */
  async function trip() {
    const folder = await owner.folder('Trip');
    const day = await owner.folder('Day 1', folder.id);
    await owner.folder('Empty', folder.id);
    const photo = randomBytes(300 * 1024);
    await owner.confirmedFile('notes.txt', folder.id, Buffer.from('first notes'));
    await owner.confirmedFile('naïve résumé 你好.txt', folder.id, Buffer.from('unicode'));
    await owner.confirmedFile('photo.bin', day.id, photo);
    // Out of the zip: a file in the trash, a folder in the trash (with its file), an upload not sent.
    const trashed = await owner.confirmedFile('trashed.txt', folder.id);
    expectStatus(await owner.remove(trashed.id), 204);
    const gone = await owner.folder('Gone', folder.id);
    await owner.confirmedFile('inside-gone.txt', gone.id);
    expectStatus(await owner.removeFolder(gone.id), 204);
    await owner.startUpload('never-sent.txt', Buffer.from('x'), { parent_folder_id: folder.id });
    return { folder, photo };
  }

  it('zips a folder as it is now: its files byte for byte, its subfolders, names as the user sees them', async () => {
    const { folder, photo } = await trip();
    const answer = await link(owner, folder);
    expect(answer).toEqual({
      url: expect.stringMatching(new RegExp(`/archives/${folder.id}\\?`)),
      expires_at: expect.any(String),
      file_name: 'Trip.zip',
      size_in_bytes: 'first notes'.length + 'unicode'.length + photo.length,
      file_count: 3,
      folder_count: 2,
    });
    expect(answer.url).not.toContain(owner.account.token);

    const zip = await fetchZip(answer.url);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(Number(zip.headers.get('content-length'))).toBe(zip.body.length);
    expect(zip.headers.get('cache-control')).toBe('private, no-store');
    expectAttachmentOf(zip.headers, 'Trip.zip');
    const entries = await unzip(zip.body);
    expect([...entries.keys()].sort()).toEqual(
      ['Day 1/', 'Day 1/photo.bin', 'Empty/', 'naïve résumé 你好.txt', 'notes.txt'].sort(),
    );
    expect(entries.get('notes.txt')).toEqual(Buffer.from('first notes'));
    expect(entries.get('naïve résumé 你好.txt')).toEqual(Buffer.from('unicode'));
    expect(entries.get('Day 1/photo.bin')).toEqual(photo);
  });

  it('zips an empty folder as an empty zip', async () => {
    const folder = await owner.folder('Nothing here');
    const answer = await link(owner, folder);
    expect(answer).toMatchObject({ file_count: 0, folder_count: 0, size_in_bytes: 0 });
    const zip = await fetchZip(answer.url);
    expect(zip.status).toBe(200);
    expect((await unzip(zip.body)).size).toBe(0);
  });

  it('gives a link to whoever may see the folder (a share on a folder above it too), judged again when followed', async () => {
    const shared = await owner.folder('Shared above');
    const inner = await owner.folder('Inner', shared.id);
    await owner.confirmedFile('report.txt', inner.id, Buffer.from('report'));
    expectProblem(await requestLink(stranger, inner.id), 404, 'folder_not_found');

    const share = await owner.share(shared, viewer, 'view');
    const answer = await link(viewer, inner);
    const first = await fetchZip(answer.url);
    expect(first.status).toBe(200);
    expect((await unzip(first.body)).get('report.txt')).toEqual(Buffer.from('report'));

    // Revoked: the link the viewer holds is good no more, though it has not expired.
    expectStatus(await owner.deleteShare(share.id), 204);
    const after = await fetch(answer.url);
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ code: 'folder_not_found' });
  });

  it('refuses a link that was changed, or has expired, and a query that is not one', async () => {
    const folder = await owner.folder('Links');
    const other = await owner.folder('Other');
    const { url } = await link(owner, folder);
    const changed = (edit: (link: URL) => void): string => {
      const copy = new URL(url);
      edit(copy);
      return copy.toString();
    };
    const expectRefused = async (target: string, status: number, code: string) => {
      const res = await fetch(target);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status, code });
    };
    const signature = new URL(url).searchParams.get('signature')!;
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    await expectRefused(
      changed((l) => l.searchParams.set('signature', flipped)),
      403,
      'archive_link_invalid',
    );
    await expectRefused(
      changed((l) => (l.pathname = `/archives/${other.id}`)),
      403,
      'archive_link_invalid',
    );
    await expectRefused(
      changed((l) => l.searchParams.set('user_id', stranger.account.id)),
      403,
      'archive_link_invalid',
    );
    await expectRefused(
      changed((l) => l.searchParams.set('expires', String(Number(l.searchParams.get('expires')) + 3600))),
      403,
      'archive_link_invalid',
    );
    // Signed by this server, but past its time.
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = new ArchiveLinks(t.config.auth.jwtSecret).sign({
      folderId: folder.id,
      userId: owner.account.id,
      expires: past,
    });
    await expectRefused(
      changed((l) => {
        l.searchParams.set('expires', String(past));
        l.searchParams.set('signature', expired);
      }),
      403,
      'archive_link_expired',
    );
    await expectRefused(
      changed((l) => l.searchParams.delete('signature')),
      422,
      'validation_failed',
    );
    await expectRefused(
      changed((l) => (l.pathname = '/archives/not-a-uuid')),
      422,
      'validation_failed',
    );
    expectProblem(await t.http.post('/drive/not-a-uuid/archive').set(owner.auth), 422, 'validation_failed');
    expectProblem(await t.http.post(`/drive/${folder.id}/archive`), 401, 'unauthorized');
  });

  it('cuts the download short, never sends a wrong zip, when a file’s bytes went while it was being sent', async () => {
    const folder = await owner.folder('Vanishing');
    await owner.confirmedFile('a.bin', folder.id, randomBytes(64 * 1024));
    const b = await owner.confirmedFile('b.bin', folder.id, randomBytes(64 * 1024));
    const { url } = await link(owner, folder);
    const [{ object_key: key }] = await t.app
      .get(DataSource)
      .query('SELECT object_key FROM items WHERE id = $1', [b.id]);
    await t.app.get(ObjectStorage).delete([key]);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    const announced = Number(res.headers.get('content-length'));
    // Either the body stops before its announced length, or reading it fails: both are a failed download.
    const received = await res.arrayBuffer().then(
      (body) => body.byteLength,
      () => -1,
    );
    expect(received).toBeLessThan(announced);
  });
}

describe('folders downloaded as zips, embedded store', () => {
  archiveSuite(async () => ({ env: {} }));
});

describe('folders downloaded as zips, on a real S3 server', () => {
  archiveSuite(() => s3rverStore('zips'));
});

describe('the bounds of a folder’s zip', () => {
  let t: TestApp;
  let owner: SharingDrive;
  beforeAll(async () => {
    t = await startTestApp({ ARCHIVE_MAX_ENTRIES: '3', ARCHIVE_MAX_BYTES: '100' });
    owner = await newSharingDrive(t);
  });
  afterAll(() => t.close());

  it('refuses a folder of more entries, or more bytes, than the bounds with 413, saying them', async () => {
    const many = await owner.folder('Many');
    for (const name of ['1', '2', '3']) await owner.folder(name, many.id);
    expectStatus(await t.http.post(`/drive/${many.id}/archive`).set(owner.auth), 200);
    await owner.folder('4', many.id);
    const tooMany = await t.http.post(`/drive/${many.id}/archive`).set(owner.auth);
    expectProblem(tooMany, 413, 'archive_too_large');
    expect(tooMany.body).toMatchObject({ max_entries: 3, max_size_in_bytes: 100 });

    const big = await owner.folder('Big');
    await owner.confirmedFile('100.bin', big.id, Buffer.alloc(100));
    expectStatus(await t.http.post(`/drive/${big.id}/archive`).set(owner.auth), 200);
    await owner.confirmedFile('1.bin', big.id, Buffer.alloc(1));
    expectProblem(await t.http.post(`/drive/${big.id}/archive`).set(owner.auth), 413, 'archive_too_large');
  });
});
