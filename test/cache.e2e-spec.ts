import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { readTestEnvironment } from '@app/config';
import { createTestDatabase, PostgresCluster, TestDatabase } from '@app/testing';
import { expectProblem, expectStatus, Item, sendBytes } from './support/drive-files';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

/**
 * The cache of reads (the in-process one, as in the embedded mode): every kind of change is seen by the very next
 * read of everyone it concerns. Each case reads first (so that the answer is cached), changes, and reads again.
 */
describe('the cache of identities and listings (in memory)', () => {
  let t: TestApp;
  let owner: SharingDrive;
  let recipient: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp({ CACHE_STORE: 'memory' });
  });
  afterAll(() => t?.close());
  beforeEach(async () => {
    owner = await newSharingDrive(t);
    recipient = await newSharingDrive(t);
  });

  const internal = (path: string, body: object) =>
    t.http.post(path).set('X-Lambda-Secret', t.config.auth.lambdaSecret).send(body);
  /** GET /drive (or /drive/{id}) as `drive`, which must answer 200: the whole listing. */
  const listingOf = async (drive: SharingDrive, folderId: string | null = null) => {
    const res = folderId
      ? await drive.listing(folderId)
      : await t.http.get('/drive').set(drive.auth).query({ limit: 1000 });
    expectStatus(res, 200);
    return res.body as {
      user: {
        used_storage_in_bytes: number;
        available_storage_in_bytes: number;
        total_storage_in_bytes: number;
      } | null;
      files_and_folders: Item[];
      uploads: (Item & { upload_status: string })[];
    };
  };
  /** What the owner's root says is reserved for uploads on their way. */
  const reservedOf = async (drive: SharingDrive) => {
    const { used_storage_in_bytes, available_storage_in_bytes, total_storage_in_bytes } = (await listingOf(drive))
      .user!;
    return total_storage_in_bytes - used_storage_in_bytes - available_storage_in_bytes;
  };
  const namesIn = async (drive: SharingDrive, folderId: string | null = null) =>
    (await listingOf(drive, folderId)).files_and_folders.map((item) => item.name).sort();
  /** A folder of the owner's shared with the recipient, both of whom have listed it (so it is cached for both). */
  const sharedFolder = async (permission: 'view' | 'edit' = 'edit') => {
    const folder = await owner.folder(`Shared-${randomUUID()}`);
    const share = await owner.share(folder, recipient, permission);
    await namesIn(owner, folder.id);
    await namesIn(recipient, folder.id);
    return { folder, share };
  };

  it('answers from the cache: a row changed behind the API is not seen, until the API changes something', async () => {
    const folder = await owner.folder('Before');
    expect(await namesIn(owner)).toEqual(['Before']);
    await t.app.get(DataSource).query(`UPDATE items SET name = 'Behind' WHERE id = $1`, [folder.id]);
    expect(await namesIn(owner)).toEqual(['Before']);
    await owner.folder('Other');
    expect(await namesIn(owner)).toEqual(['Behind', 'Other']);
  });

  it('shows a folder created, renamed, moved and trashed, to its owner and to who it is shared with', async () => {
    const { folder } = await sharedFolder();
    const inner = await owner.folder('Inner', folder.id);
    expect(await namesIn(recipient, folder.id)).toEqual(['Inner']);
    expectStatus(await owner.patchFolder(inner.id, { new_name: 'Renamed' }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual(['Renamed']);
    expect(await namesIn(owner, folder.id)).toEqual(['Renamed']);
    // Moved out of the shared folder: the recipient no longer sees it there, nor at all.
    await namesIn(recipient, inner.id);
    expectStatus(await owner.patchFolder(inner.id, { parent_folder_id: null }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual([]);
    expectProblem(await recipient.listing(inner.id), 404, 'folder_not_found');
    expect(await namesIn(owner)).toContain('Renamed');
    expectStatus(await owner.removeFolder(inner.id), 204);
    expect(await namesIn(owner)).not.toContain('Renamed');
  });

  it('shows a file renamed, moved, trashed, restored and purged, and the quota each time', async () => {
    const { folder } = await sharedFolder();
    await listingOf(owner);
    const file = await owner.confirmedFile('a.txt', folder.id, Buffer.alloc(100));
    expect(await namesIn(recipient, folder.id)).toEqual(['a.txt']);
    expect((await listingOf(owner)).user!.used_storage_in_bytes).toBe(100);
    expectStatus(await owner.patch(file.id, { file_name: 'b.txt' }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual(['b.txt']);
    expectStatus(await owner.patch(file.id, { parent_folder_id: null }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual([]);
    expect(await namesIn(owner)).toContain('b.txt');
    expectStatus(await owner.remove(file.id), 204);
    expect(await namesIn(owner)).not.toContain('b.txt');
    expectStatus(await owner.restore(file.id), 200);
    expect(await namesIn(owner)).toContain('b.txt');
    expectStatus(await owner.remove(file.id), 204);
    expect((await listingOf(owner)).user!.used_storage_in_bytes).toBe(100);
    expectStatus(await t.http.delete(`/trash/${file.id}`).set(owner.auth), 204);
    expect((await listingOf(owner)).user!.used_storage_in_bytes).toBe(0);
  });

  it('shows an upload started, then cancelled, with its reservation, to the owner and an editor', async () => {
    const { folder } = await sharedFolder('edit');
    await listingOf(owner);
    const { file } = await recipient.startUpload('coming.bin', 50, { parent_folder_id: folder.id });
    expect((await listingOf(owner, folder.id)).uploads.map((u) => u.id)).toEqual([file.id]);
    expect((await listingOf(recipient, folder.id)).uploads.map((u) => u.id)).toEqual([file.id]);
    expect(await reservedOf(owner)).toBe(50);
    expectStatus(await recipient.remove(file.id), 204);
    expect((await listingOf(owner, folder.id)).uploads).toEqual([]);
    expect((await listingOf(recipient, folder.id)).uploads).toEqual([]);
    expect(await reservedOf(owner)).toBe(0);
  });

  it('shows an upload confirmed, and one refused, to the owner and an editor', async () => {
    const { folder, share } = await sharedFolder('edit');
    const bytes = Buffer.from('twelve bytes');
    const { file, upload } = await recipient.startUpload('doc.txt', bytes, { parent_folder_id: folder.id });
    await sendBytes(upload, bytes);
    expect((await listingOf(owner, folder.id)).uploads.map((u) => u.id)).toEqual([file.id]);
    expect(await namesIn(recipient, folder.id)).toEqual([]);
    const confirmed = { file_id: file.id, size_in_bytes: bytes.length, content_type: 'text/plain' };
    expectStatus(await internal('/confirm-file-upload', confirmed), 200);
    expect(await namesIn(owner, folder.id)).toEqual(['doc.txt']);
    expect(await namesIn(recipient, folder.id)).toEqual(['doc.txt']);

    // Refused: its uploader lost the right to write there before the bytes were confirmed.
    const other = await recipient.startUpload('late.txt', bytes, { parent_folder_id: folder.id });
    await sendBytes(other.upload, bytes);
    expectStatus(await owner.deleteShare(share.id), 204);
    expect((await listingOf(owner, folder.id)).uploads.map((u) => u.upload_status)).toEqual(['uploading']);
    expect(await reservedOf(owner)).toBe(bytes.length);
    const refused = { file_id: other.file.id, size_in_bytes: bytes.length, content_type: 'text/plain' };
    expect((await internal('/confirm-file-upload', refused)).body.status).toBe('rejected');
    expect((await listingOf(owner, folder.id)).uploads.map((u) => u.upload_status)).not.toContain('uploading');
    expect(await reservedOf(owner)).toBe(0);
  });

  it('shows a preview ready to everyone who sees the file', async () => {
    const { folder } = await sharedFolder('view');
    const { file, upload } = await owner.startUpload('photo.png', Buffer.from('png'), { parent_folder_id: folder.id });
    await sendBytes(upload, Buffer.from('png'));
    const image = { file_id: file.id, size_in_bytes: 3, content_type: 'image/png' };
    expectStatus(await internal('/confirm-file-upload', image), 200);
    const statusOf = async () => (await listingOf(recipient, folder.id)).files_and_folders[0].preview_status;
    expect(await statusOf()).toBe('pending');
    expectStatus(
      await internal('/confirm-file-preview', { file_id: file.id, status: 'ready', width: 4, height: 3 }),
      200,
    );
    expect(await statusOf()).toBe('ready');
  });

  it('shows a share added, changed and revoked: the revoked recipient is refused on their very next request', async () => {
    const folder = await owner.folder('To share');
    await owner.folder('Child', folder.id);
    expectProblem(await recipient.listing(folder.id), 404, 'folder_not_found');
    const share = await owner.share(folder, recipient, 'view');
    const permissions = async () => (await listingOf(recipient, folder.id)).files_and_folders.map((i) => i.permission);
    expect(await permissions()).toEqual(['view']);
    expectStatus(await owner.patchShare(share.id, { permission: 'edit' }), 200);
    expect(await permissions()).toEqual(['edit']);
    expectStatus(await owner.deleteShare(share.id), 204);
    expectProblem(await recipient.listing(folder.id), 404, 'folder_not_found');
  });

  it('refuses the recipient of a share below a trashed folder, and lets them back in when it is restored', async () => {
    const outer = await owner.folder('Outer');
    const inner = await owner.folder('Inner', outer.id);
    await owner.share(inner, recipient, 'view');
    await namesIn(recipient, inner.id);
    expectStatus(await owner.removeFolder(outer.id), 204);
    expectProblem(await recipient.listing(inner.id), 404, 'folder_not_found');
    expectStatus(await owner.restore(outer.id), 200);
    await namesIn(recipient, inner.id);
  });

  it('shows a version restored, and a version deleted in the quota', async () => {
    const { folder } = await sharedFolder('view');
    const { file, versionId } = await owner.fileWithVersion('notes.txt', folder.id);
    const sizeSeen = async () => (await listingOf(recipient, folder.id)).files_and_folders[0].size_in_bytes;
    const before = await sizeSeen();
    const used = (await listingOf(owner)).user!.used_storage_in_bytes;
    expectStatus(await t.http.post(`/file/${file.id}/versions/${versionId}/restore`).set(owner.auth), 200);
    expect(await sizeSeen()).toBe('notes.txt'.length);
    expect(before).not.toBe('notes.txt'.length);
    const [kept] = (await owner.versionsOf(file.id)).versions;
    expectStatus(await owner.deleteVersion(file.id, kept.version_id), 204);
    expect((await listingOf(owner)).user!.used_storage_in_bytes).toBe(used - kept.size_in_bytes);
  });

  it('shows batch moves, trashes, restores, deletions and copies', async () => {
    const { folder } = await sharedFolder('edit');
    const a = await owner.folder('A', folder.id);
    const b = await owner.confirmedFile('b.txt', folder.id);
    expect(await namesIn(recipient, folder.id)).toEqual(['A', 'b.txt']);
    const items = [
      { kind: 'folder', id: a.id },
      { kind: 'file', id: b.id },
    ];
    const batch = (path: string, body: object) => t.http.post(`/batch/${path}`).set(owner.auth).send(body);
    await namesIn(owner);
    expectStatus(await batch('move', { items, parent_folder_id: null }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual([]);
    expect(await namesIn(owner)).toEqual(expect.arrayContaining(['A', 'b.txt']));
    expectStatus(await batch('copy', { items, parent_folder_id: folder.id }), 200);
    expect(await namesIn(recipient, folder.id)).toEqual(['A', 'b.txt']);
    expectStatus(await batch('trash', { items }), 200);
    expect(await namesIn(owner)).not.toContain('A');
    expectStatus(await batch('restore', { item_ids: [a.id, b.id] }), 200);
    expect(await namesIn(owner)).toEqual(expect.arrayContaining(['A', 'b.txt']));
    const used = (await listingOf(owner)).user!.used_storage_in_bytes;
    expectStatus(await batch('trash', { items }), 200);
    expectStatus(await batch('delete-forever', { item_ids: [a.id, b.id] }), 200);
    expect((await listingOf(owner)).user!.used_storage_in_bytes).toBe(used - 'b.txt'.length);
  });

  describe('identity', () => {
    const verify = (drive: SharingDrive) => t.http.get('/verify-token').set(drive.auth);

    it('refuses a token logged out on its very next request', async () => {
      expectStatus(await verify(owner), 200);
      expectStatus(await t.http.post('/logout').set(owner.auth), 204);
      expectProblem(await verify(owner), 401, 'unauthorized');
    });

    it('refuses every token after logout everywhere, and the old one after a new password', async () => {
      expectStatus(await verify(owner), 200);
      expectStatus(await t.http.post('/logout').set(owner.auth).send({ everywhere: true }), 204);
      expectProblem(await verify(owner), 401, 'unauthorized');

      expectStatus(await verify(recipient), 200);
      const change = { current_password: recipient.account.password, new_password: 'another-password-1' };
      expectStatus(await t.http.put('/user/password').set(recipient.auth).send(change), 200);
      expectProblem(await verify(recipient), 401, 'unauthorized');
    });

    it('refuses a deleted account on its next request, and its share to whoever had it', async () => {
      const folder = await owner.folder('Theirs');
      await owner.share(folder, recipient, 'view');
      await namesIn(recipient, folder.id);
      expectStatus(await verify(owner), 200);
      const deleted = await t.http.delete('/user').set(owner.auth).send({ password: owner.account.password });
      expectStatus(deleted, 204);
      expectProblem(await verify(owner), 401, 'unauthorized');
      expectProblem(await recipient.listing(folder.id), 404, 'folder_not_found');
    });
  });
});

// Against a real Redis only when TEST_REDIS_URL names one (.ci/run does): without it these cases do not exist. The
// database is TEST_DATABASE_URL's server, or a PostgreSQL cluster of the test's own (two replicas need a real server).
const { redisUrl, databaseUrl } = readTestEnvironment();
for (const url of redisUrl ? [redisUrl] : []) {
  describe('the cache shared in Redis by two API instances on one database (TEST_REDIS_URL)', () => {
    const prefix = `clouddrive-test:${randomUUID()}:`;
    let cluster: PostgresCluster | undefined;
    let database: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    let redis: Redis;

    beforeAll(async () => {
      redis = new Redis(url);
      if (databaseUrl) database = await createTestDatabase();
      else {
        cluster = await PostgresCluster.create();
        database = { url: cluster.url, env: {}, drop: async () => undefined };
      }
      // One deployment: the replicas share their secrets (a token made by one is good on the other) and one Redis.
      const env = {
        JWT_SECRET: randomUUID().repeat(2),
        LAMBDA_SECRET: randomUUID().repeat(2),
        REDIS_URL: url,
        CACHE_STORE: 'redis',
        CACHE_REDIS_PREFIX: prefix,
        RATE_LIMIT_REDIS_PREFIX: `${prefix}rate:`,
      };
      const shared = { ...database, drop: async () => undefined };
      a = await startTestApp(env, shared);
      b = await startTestApp(env, shared);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await database?.drop();
      await cluster?.destroy();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    const names = async (t: TestApp, drive: SharingDrive, folderId: string) => {
      const res = await t.http.get(`/drive/${folderId}`).set(drive.auth).query({ limit: 1000 });
      expectStatus(res, 200);
      return (res.body.files_and_folders as { name: string }[]).map((item) => item.name);
    };

    it('serves on one instance what the other cached (in Redis, under the prefix)', async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Folder');
      const inner = await owner.folder('Cached', folder.id);
      expect(await names(a, owner, folder.id)).toEqual(['Cached']);
      await a.app.get(DataSource).query(`UPDATE items SET name = 'Behind' WHERE id = $1`, [inner.id]);
      expect(await names(b, owner, folder.id)).toEqual(['Cached']);
      expect(await redis.keys(`${prefix}value:${owner.account.id}:*`)).not.toHaveLength(0);
    });

    it('shows on B, at once, a rename made on A', async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Folder');
      const inner = await owner.folder('Before', folder.id);
      expect(await names(b, owner, folder.id)).toEqual(['Before']);
      expectStatus(await owner.patchFolder(inner.id, { new_name: 'After' }), 200);
      expect(await names(b, owner, folder.id)).toEqual(['After']);
    });

    it("refuses on B the recipient's very next request after the share was revoked on A", async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const recipient = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Shared');
      const share = await owner.share(folder, recipient, 'view');
      expect(await names(b, recipient, folder.id)).toEqual([]);
      expectStatus(await owner.deleteShare(share.id), 204);
      // The very request that was cached before (same query), now refused.
      const again = await b.http.get(`/drive/${folder.id}`).set(recipient.auth).query({ limit: 1000 });
      expectProblem(again, 404, 'folder_not_found');
    });

    it('refuses on B the next request of an account deleted on A', async () => {
      const gone = await registerAndLogin(a.http);
      const auth = { Authorization: `Bearer ${gone.token}` };
      expectStatus(await b.http.get('/verify-token').set(auth), 200);
      expectStatus(await b.http.get('/drive').set(auth), 200);
      expectStatus(await a.http.delete('/user').set(auth).send({ password: gone.password }), 204);
      expectProblem(await b.http.get('/verify-token').set(auth), 401, 'unauthorized');
      expectProblem(await b.http.get('/drive').set(auth), 401, 'unauthorized');
    });

    it('refuses on B a token logged out on A', async () => {
      const user = await registerAndLogin(a.http);
      const auth = { Authorization: `Bearer ${user.token}` };
      expectStatus(await b.http.get('/verify-token').set(auth), 200);
      expectStatus(await a.http.post('/logout').set(auth), 204);
      expectProblem(await b.http.get('/verify-token').set(auth), 401, 'unauthorized');
    });
  });
}
