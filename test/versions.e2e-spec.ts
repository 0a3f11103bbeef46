import { randomUUID } from 'node:crypto';
import { Response } from 'supertest';
import { ObjectStorage, objectKeys } from '@app/storage';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { download, expectAttachmentOf, Item, sendBytes, Upload } from './support/drive-files';
import { expectProblem, expectStatus } from './support/expectations';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { WorkerlessDrive } from './support/workerless-drive';
import { s3rverStore } from './support/s3-store';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

const DAY_MS = 24 * 3600 * 1000;

interface Content {
  size_in_bytes: number;
  content_type: string | null;
  uploaded_by: { id: string; username: string } | null;
  current_since: string | null;
}

interface Version extends Content {
  version_id: string;
  replaced_at: string;
}

interface Versions {
  file: Item;
  current: Content;
  versions: Version[];
}

/**
 * A user driving their files' versions over HTTP (the test confirms their uploads, as the worker would), on
 * whichever store the app runs: bytes go to and come from the presigned URLs themselves.
 */
class User extends WorkerlessDrive {
  get username(): string {
    return this.account.username;
  }

  override async send(upload: Upload, content: string): Promise<void> {
    await sendBytes(upload, Buffer.from(content));
  }

  override async download(fileId: string): Promise<string> {
    const res = await this.t.http.get(`/file/${fileId}`).set(this.auth);
    expectStatus(res, 200);
    const bytes = await download(res.body.url);
    expect(bytes.status).toBe(200);
    return bytes.body.toString();
  }

  listVersions(fileId: string): Promise<Response> {
    return this.t.http.get(`/file/${fileId}/versions`).set(this.auth);
  }

  async versions(fileId: string): Promise<Versions> {
    const res = await this.listVersions(fileId);
    expectStatus(res, 200);
    return res.body;
  }

  downloadVersion(fileId: string, versionId: string): Promise<Response> {
    return this.t.http.get(`/file/${fileId}/versions/${versionId}`).set(this.auth);
  }

  /** The bytes of a version through its presigned URL, and the headers it is served with. */
  async versionBytes(fileId: string, versionId: string): Promise<{ text: string; headers: Headers }> {
    const res = await this.downloadVersion(fileId, versionId);
    expectStatus(res, 200);
    const bytes = await download(res.body.url);
    expect(bytes.status).toBe(200);
    return { text: bytes.body.toString(), headers: bytes.headers };
  }

  restoreVersion(fileId: string, versionId: string): Promise<Response> {
    return this.t.http.post(`/file/${fileId}/versions/${versionId}/restore`).set(this.auth);
  }

  deleteVersion(fileId: string, versionId: string): Promise<Response> {
    return this.t.http.delete(`/file/${fileId}/versions/${versionId}`).set(this.auth);
  }

  /** Replaces the file's bytes (a `Replace` upload, confirmed). */
  async replace(file: Item, content: string): Promise<Upload> {
    const { upload } = await this.requestUpload(file.name, Buffer.byteLength(content), {
      conflict: 'Replace',
      parentId: file.parent_folder_id,
    });
    await this.arrive(file.id, upload, content);
    return upload;
  }

  async share(item: Item, recipient: User, permission: 'view' | 'edit'): Promise<void> {
    const res = await this.t.http
      .post('/share')
      .set(this.auth)
      .send({
        share_object_type: item.kind,
        [item.kind === 'file' ? 'file_id' : 'folder_id']: item.id,
        username: recipient.username,
        permission,
      });
    expectStatus(res, 201);
  }
}

const newUser = async (t: TestApp): Promise<User> => new User(t, await registerAndLogin(t.http));
const stored = async (t: TestApp, key: string): Promise<boolean> => (await t.app.get(ObjectStorage).head(key)) !== null;
/** The object key a presigned PUT names (on the embedded store and on S3, path-style). */
const keyOf = (upload: Upload): string => {
  const path = decodeURIComponent(new URL(upload.url).pathname);
  return path.slice(path.indexOf(objectKeys.filesPrefix));
};
const sizes = (list: Versions): number[] => list.versions.map((version) => version.size_in_bytes);

/** A file replaced twice: three contents of distinct sizes, the last one current. */
async function threeContents(user: User, name = 'report.txt') {
  const v1 = 'one\n';
  const v2 = 'version two\n';
  const v3 = 'the third version, the longest\n';
  const { file, upload } = await user.requestUpload(name, v1.length);
  await user.arrive(file.id, upload, v1);
  const second = await user.replace(file, v2);
  const third = await user.replace(file, v3);
  return { file, v1, v2, v3, keys: [keyOf(upload), keyOf(second), keyOf(third)] };
}

/** The versions suite, on whichever store the app runs. */
function versionsSuite(store: () => Promise<{ env: Record<string, string>; close?: () => Promise<void> }>) {
  let t: TestApp;
  let closeStore: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await store();
    closeStore = opened.close;
    t = await startTestApp(opened.env);
  });
  afterAll(async () => {
    await t.close();
    await closeStore?.();
  });

  it('lists the earlier contents newest first, the current one apart, and all of them count against the quota', async () => {
    const user = await newUser(t);
    const { file, v1, v2, v3, keys } = await threeContents(user);

    const list = await user.versions(file.id);
    expect(list.file).toMatchObject({ id: file.id, name: 'report.txt', size_in_bytes: v3.length });
    expect(list.current).toMatchObject({
      size_in_bytes: v3.length,
      content_type: 'text/plain',
      uploaded_by: { id: user.id, username: user.username },
    });
    expect(sizes(list)).toEqual([v2.length, v1.length]);
    const [second, first] = list.versions;
    expect(Object.keys(first).sort()).toEqual(
      ['content_type', 'current_since', 'replaced_at', 'size_in_bytes', 'uploaded_by', 'version_id'].sort(),
    );
    expect(first.uploaded_by).toEqual({ id: user.id, username: user.username });
    // Each content was current from its confirmation until the next took over.
    expect(Date.parse(first.current_since!)).toBeLessThanOrEqual(Date.parse(first.replaced_at));
    expect(Date.parse(first.replaced_at)).toBeLessThanOrEqual(Date.parse(second.current_since!));
    expect(Date.parse(second.replaced_at)).toBeLessThanOrEqual(Date.parse(list.current.current_since!));

    // Every content keeps its own object, and its bytes go on counting.
    for (const key of keys) expect(await stored(t, key)).toBe(true);
    expect(await user.quota()).toEqual({ used: v1.length + v2.length + v3.length, reserved: 0 });
    expect(await user.download(file.id)).toBe(v3);
  });

  it('a file never replaced has no versions; a file whose bytes have not arrived is 409 file_not_ready', async () => {
    const user = await newUser(t);
    const file = await user.file('single.txt', 'only\n');
    expect((await user.versions(file.id)).versions).toEqual([]);
    const { file: pending } = await user.requestUpload('pending.txt', 3);
    expectProblem(await user.listVersions(pending.id), 409, 'file_not_ready');
  });

  it('downloads exactly a version’s bytes, named as the file; an unknown version is 404 version_not_found', async () => {
    const user = await newUser(t);
    const { file, v1, v2 } = await threeContents(user, 'Résumé final.txt');
    const [second, first] = (await user.versions(file.id)).versions;
    expect((await user.versionBytes(file.id, first.version_id)).text).toBe(v1);
    const { text, headers } = await user.versionBytes(file.id, second.version_id);
    expect(text).toBe(v2);
    expectAttachmentOf(headers, 'Résumé final.txt');

    expectProblem(await user.downloadVersion(file.id, randomUUID()), 404, 'version_not_found');
    // Another file's version is not this file's.
    const other = await user.file('other.txt', 'x');
    expectProblem(await user.downloadVersion(other.id, first.version_id), 404, 'version_not_found');
    expectProblem(await user.downloadVersion(file.id, 'not-a-uuid'), 422, 'validation_failed');
  });

  it('restores a version: it becomes current, the content it replaces a version; the quota does not move', async () => {
    const user = await newUser(t);
    const { file, v1, v2, v3 } = await threeContents(user);
    const total = v1.length + v2.length + v3.length;
    const [, first] = (await user.versions(file.id)).versions;

    const res = await user.restoreVersion(file.id, first.version_id);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: file.id, name: 'report.txt', size_in_bytes: v1.length });
    // The restored content comes back with its own preview's state (text: none to make), not the replaced one's.
    expect(res.body.preview_status).toBe('unsupported');
    expect(await user.download(file.id)).toBe(v1);

    const after = await user.versions(file.id);
    expect(after.current).toMatchObject({ size_in_bytes: v1.length, uploaded_by: { id: user.id } });
    expect(sizes(after)).toEqual([v3.length, v2.length]);
    expect(after.versions.map((version) => version.version_id)).not.toContain(first.version_id);
    expect(await user.quota()).toEqual({ used: total, reserved: 0 });
    expect((await user.items()).find((item) => item.id === file.id)).toMatchObject({ size_in_bytes: v1.length });

    // The version restored is no longer one.
    expectProblem(await user.restoreVersion(file.id, first.version_id), 404, 'version_not_found');
    // And the content it replaced can be brought back the same way.
    expectStatus(await user.restoreVersion(file.id, after.versions[0].version_id), 200);
    expect(await user.download(file.id)).toBe(v3);
    expect(await user.quota()).toEqual({ used: total, reserved: 0 });
  });

  it('a Replace after a restore keeps the restored content as a version', async () => {
    const user = await newUser(t);
    const { file, v1, v2, v3 } = await threeContents(user);
    const [, first] = (await user.versions(file.id)).versions;
    expectStatus(await user.restoreVersion(file.id, first.version_id), 200);
    const v4 = 'four\n!';
    await user.replace(file, v4);
    const list = await user.versions(file.id);
    expect(list.current.size_in_bytes).toBe(v4.length);
    expect(sizes(list)).toEqual([v1.length, v3.length, v2.length]);
    expect(await user.quota()).toEqual({ used: v1.length + v2.length + v3.length + v4.length, reserved: 0 });
  });

  it('deletes a version: its bytes are freed and its object goes; the others stay', async () => {
    const user = await newUser(t);
    const { file, v1, v2, v3, keys } = await threeContents(user);
    const [second, first] = (await user.versions(file.id)).versions;
    expect(first.size_in_bytes).toBe(v1.length);

    expectStatus(await user.deleteVersion(file.id, first.version_id), 204);
    expect(await user.quota()).toEqual({ used: v2.length + v3.length, reserved: 0 });
    expect(await stored(t, keys[0])).toBe(false);
    expect(await stored(t, keys[1])).toBe(true);
    expect((await user.versions(file.id)).versions.map((version) => version.version_id)).toEqual([second.version_id]);
    expectProblem(await user.deleteVersion(file.id, first.version_id), 404, 'version_not_found');
    expect(await user.quota()).toEqual({ used: v2.length + v3.length, reserved: 0 });
    expect(await user.download(file.id)).toBe(v3);
  });

  it('a share covers every version: viewers list and download, editors also restore and delete, others see nothing', async () => {
    const owner = await newUser(t);
    const viewer = await newUser(t);
    const editor = await newUser(t);
    const stranger = await newUser(t);
    const folder = await owner.folder('Shared');
    const v1 = 'shared one\n';
    const { file, upload } = await owner.requestUpload('notes.txt', v1.length, { parentId: folder.id });
    await owner.arrive(file.id, upload, v1);
    await owner.replace(file, 'shared two\n!');
    await owner.replace(file, 'shared three\n!!');
    await owner.share(folder, viewer, 'view');
    await owner.share(file, editor, 'edit');
    const [second, first] = (await owner.versions(file.id)).versions;

    expect((await viewer.versions(file.id)).versions).toHaveLength(2);
    expect((await viewer.versionBytes(file.id, first.version_id)).text).toBe(v1);
    expectProblem(await viewer.restoreVersion(file.id, first.version_id), 403, 'permission_denied');
    expectProblem(await viewer.deleteVersion(file.id, first.version_id), 403, 'permission_denied');

    for (const res of [
      await stranger.listVersions(file.id),
      await stranger.downloadVersion(file.id, first.version_id),
      await stranger.restoreVersion(file.id, first.version_id),
      await stranger.deleteVersion(file.id, first.version_id),
    ]) {
      expectProblem(res, 404, 'file_not_found');
    }

    expectStatus(await editor.restoreVersion(file.id, first.version_id), 200);
    expect(await owner.download(file.id)).toBe(v1);
    expectStatus(await editor.deleteVersion(file.id, second.version_id), 204);
    // The bytes were the owner's: the owner's quota is freed, the editor's never moved.
    expect(await owner.quota()).toEqual({ used: v1.length + 'shared three\n!!'.length, reserved: 0 });
    expect(await editor.quota()).toEqual({ used: 0, reserved: 0 });
  });

  it('a trashed file keeps its versions until its purge, which deletes their objects and frees their bytes', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Old');
    const v1 = 'trashed one\n';
    const v2 = 'trashed two, longer\n';
    const { file, upload } = await user.requestUpload('old.txt', v1.length, { parentId: folder.id });
    await user.arrive(file.id, upload, v1);
    const second = await user.replace(file, v2);

    await user.remove(folder);
    expectProblem(await user.listVersions(file.id), 404, 'file_not_found');
    expect(await user.quota()).toEqual({ used: v1.length + v2.length, reserved: 0 });
    expect(await stored(t, keyOf(upload))).toBe(true);

    // Restored from the trash, the versions come back with it.
    expectStatus(await t.http.post(`/trash/${folder.id}/restore`).set(user.auth), 200);
    expect(sizes(await user.versions(file.id))).toEqual([v1.length]);

    await user.remove(folder);
    expectStatus(await t.http.delete(`/trash/${folder.id}`).set(user.auth), 204);
    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect(await stored(t, keyOf(upload))).toBe(false);
    expect(await stored(t, keyOf(second))).toBe(false);
  });

  it('the reconciler leaves versions’ objects alone when it hunts orphans', async () => {
    const user = await newUser(t);
    const { file, keys } = await threeContents(user);
    // Long after: every object is old enough to be an orphan, were no row to point at it.
    await t.app.get(Reconciler).run(new Date(Date.now() + DAY_MS));
    for (const key of keys) expect(await stored(t, key)).toBe(true);
    expect((await user.versions(file.id)).versions).toHaveLength(2);
  });
}

describe('versions: a Replace keeps the previous content (GET /file/{id}/versions), embedded store', () => {
  versionsSuite(async () => ({ env: {} }));
});

describe('versions: a Replace keeps the previous content, on a real S3 server', () => {
  versionsSuite(() => s3rverStore('versions'));
});

describe('versions: the retention (VERSIONS_MAX_COUNT, VERSIONS_MAX_DAYS), enforced by the reconciler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ VERSIONS_MAX_COUNT: '2', VERSIONS_MAX_DAYS: '30' });
  });
  afterAll(() => t.close());

  it('keeps a file’s newest versions up to the count: the oldest go, their objects deleted, their bytes freed', async () => {
    const user = await newUser(t);
    const contents = ['a\n', 'bb\n', 'ccc\n', 'dddd\n', 'eeeee\n'];
    const { file, upload } = await user.requestUpload('log.txt', contents[0].length);
    await user.arrive(file.id, upload, contents[0]);
    const keys = [keyOf(upload)];
    for (const content of contents.slice(1)) keys.push(keyOf(await user.replace(file, content)));
    const other = await threeContents(user, 'other.txt');
    const total = (list: string[]) => list.reduce((sum, content) => sum + content.length, 0);
    const otherTotal = total([other.v1, other.v2, other.v3]);
    expect(await user.quota()).toEqual({ used: total(contents) + otherTotal, reserved: 0 });

    const report = await t.app.get(Reconciler).run(new Date());
    expect(report.versionsDropped).toBe(2);
    const list = await user.versions(file.id);
    expect(sizes(list)).toEqual([contents[3].length, contents[2].length]);
    expect(await user.quota()).toEqual({ used: total(contents.slice(2)) + otherTotal, reserved: 0 });
    expect(await stored(t, keys[0])).toBe(false);
    expect(await stored(t, keys[1])).toBe(false);
    for (const key of keys.slice(2)) expect(await stored(t, key)).toBe(true);
    // A file within the count keeps all of its versions.
    expect((await user.versions(other.file.id)).versions).toHaveLength(2);
  });

  it('drops versions replaced more than the days ago, whatever their count', async () => {
    const user = await newUser(t);
    const { file, v3, keys } = await threeContents(user);
    await t.app.get(Reconciler).run(new Date(Date.now() + 29 * DAY_MS));
    expect((await user.versions(file.id)).versions).toHaveLength(2);

    await t.app.get(Reconciler).run(new Date(Date.now() + 31 * DAY_MS));
    expect((await user.versions(file.id)).versions).toEqual([]);
    expect(await user.quota()).toEqual({ used: v3.length, reserved: 0 });
    expect(await stored(t, keys[0])).toBe(false);
    expect(await stored(t, keys[1])).toBe(false);
    expect(await user.download(file.id)).toBe(v3);
  });
});
