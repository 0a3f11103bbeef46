/**
 * Uploads that were asked for but not (or not rightly) sent: listed apart in GET /drive and GET /drive/{id} as
 * `uploading` or `failed` for whoever may edit the folder, and cancelled by DELETE /file/{id}, which frees their
 * name and reserved quota at once. The test plays the worker (tests run without the embedded workers), so nothing confirms by itself.
 */
import { DataSource } from 'typeorm';
import { ObjectStorage } from '@app/storage';
import { expectProblem, expectStatus, FileUpload, Item } from './support/drive-files';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

describe('uploads in progress', () => {
  let t: TestApp;
  let owner: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await newSharingDrive(t);
  });
  afterAll(() => t.close());

  const listing = async (drive: SharingDrive, folderId: string | null = null, query: object = {}) => {
    const res = await t.http
      .get(folderId ? `/drive/${folderId}` : '/drive')
      .set(drive.auth)
      .query({ limit: 1000, ...query });
    expectStatus(res, 200);
    return res.body as {
      files_and_folders: Item[];
      uploads: (Item & { upload_status: string })[];
      next_cursor: string;
    };
  };
  const available = async (drive: SharingDrive) => (await drive.figures()).available_storage_in_bytes;

  it('lists an awaited upload apart as `uploading`, so a 409 on its name can be understood', async () => {
    const folder = await owner.folder('Uploads');
    const requested = Date.now();
    const { file, upload }: FileUpload = await owner.startUpload('report.pdf', 1234, { parent_folder_id: folder.id });
    const answered = Date.now();
    const seen = await listing(owner, folder.id);
    expect(seen.files_and_folders).toEqual([]);
    expect(seen.uploads).toEqual([{ ...file, upload_status: 'uploading', upload_expires_at: expect.any(String) }]);
    // The row's expiry is taken first, in milliseconds; the URL's a moment later, rounded up to the whole second: it
    // is never earlier, and later by at most that second plus the time the request took.
    const expiresAt = Date.parse((seen.uploads[0] as unknown as { upload_expires_at: string }).upload_expires_at);
    const urlLater = Date.parse(upload.expires_at) - expiresAt;
    expect(urlLater).toBeGreaterThanOrEqual(0);
    expect(urlLater).toBeLessThanOrEqual(1000 + (answered - requested));
    expect(seen.uploads[0]).toMatchObject({ name: 'report.pdf', size_in_bytes: 1234, permission: 'owner' });

    const taken = await owner.requestUpload({
      file_name: 'REPORT.pdf',
      file_size_in_bytes: 1,
      parent_folder_id: folder.id,
    });
    expectProblem(taken, 409, 'file_name_conflict');
    expect(taken.body.conflicting_file_id).toBe(file.id);
    // The root has its own uploads; a later page has none.
    expect((await listing(owner)).uploads).toEqual([]);
  });

  it('DELETE /file/{id} cancels it: the name and the reserved quota are free at once, and the trash stays empty', async () => {
    const folder = await owner.folder('Cancelled');
    const before = await available(owner);
    const { file } = await owner.startUpload('big.bin', 5000, { parent_folder_id: folder.id });
    expect(await available(owner)).toBe(before - 5000);

    expectStatus(await owner.remove(file.id), 204);
    expect(await available(owner)).toBe(before);
    expect((await listing(owner, folder.id)).uploads).toEqual([]);
    expect((await owner.trash()).body.items.map((item: Item) => item.id)).not.toContain(file.id);
    expectProblem(await owner.remove(file.id), 404, 'file_not_found');
    const folderOfThatName = await t.http
      .post('/drive')
      .set(owner.auth)
      .send({ folder_name: 'big.bin', parent_folder_id: folder.id });
    expectStatus(folderOfThatName, 201);
  });

  it('calls an upload whose URL expired without its bytes `failed`, until it is cancelled', async () => {
    const { file } = await owner.startUpload('stalled.txt', 10);
    await t.app
      .get(DataSource)
      .query(`UPDATE items SET upload_expires_at = now() - interval '1 second' WHERE id = $1`, [file.id]);
    expect((await listing(owner)).uploads).toEqual([expect.objectContaining({ id: file.id, upload_status: 'failed' })]);
    expectProblem(
      await owner.requestUpload({ file_name: 'stalled.txt', file_size_in_bytes: 1 }),
      409,
      'file_name_conflict',
    );
    expectStatus(await owner.remove(file.id), 204);
    expectStatus(await owner.requestUpload({ file_name: 'stalled.txt', file_size_in_bytes: 1 }), 201);
  });

  it('calls an upload whose bytes were refused `failed` (its name already free), and DELETE dismisses it', async () => {
    const folder = await owner.folder('Refused');
    const { file } = await owner.startUpload('liar.txt', 10, { parent_folder_id: folder.id });
    // Bytes of another size than was signed (a store that did not check), found by the worker: refused.
    const objectKey = (await t.app.get(DataSource).query('SELECT upload_key FROM items WHERE id = $1', [file.id]))[0]
      .upload_key as string;
    await t.app.get(ObjectStorage).write(objectKey, Buffer.from('three'), 'text/plain');
    const confirmed = await t.http
      .post('/confirm-file-upload')
      .set('X-Lambda-Secret', t.config.auth.lambdaSecret)
      .send({ file_id: file.id, size_in_bytes: 5, content_type: 'text/plain' });
    expect(confirmed.body.status).toBe('rejected');

    expect((await listing(owner, folder.id)).uploads).toEqual([
      expect.objectContaining({ id: file.id, upload_status: 'failed', upload_expires_at: null }),
    ]);
    expectStatus(
      await owner.requestUpload({ file_name: 'liar.txt', file_size_in_bytes: 1, parent_folder_id: folder.id }),
      201,
    );
    expectStatus(await owner.remove(file.id), 204);
    expect((await listing(owner, folder.id)).uploads.map((item) => item.id)).not.toContain(file.id);
  });

  it('shows a shared folder’s uploads to its editors, who may cancel them, and not to its viewers', async () => {
    const editor = await newSharingDrive(t);
    const viewer = await newSharingDrive(t);
    const folder = await owner.folder('Team');
    await owner.share(folder, editor, 'edit');
    await owner.share(folder, viewer, 'view');
    const { file } = await editor.startUpload('draft.docx', 42, { parent_folder_id: folder.id });

    for (const drive of [owner, editor]) {
      expect((await listing(drive, folder.id)).uploads).toEqual([
        expect.objectContaining({
          id: file.id,
          upload_status: 'uploading',
          owner: expect.objectContaining({ id: owner.account.id }),
        }),
      ]);
    }
    expect((await listing(viewer, folder.id)).uploads).toEqual([]);
    expectProblem(await viewer.remove(file.id), 403, 'permission_denied');
    const before = await available(owner);
    expectStatus(await editor.remove(file.id), 204);
    expect(await available(owner)).toBe(before + 42);
  });

  it('gives no uploads on a later page', async () => {
    const folder = await owner.folder('Paged');
    await owner.folder('a', folder.id);
    await owner.folder('b', folder.id);
    await owner.startUpload('pending.txt', 1, { parent_folder_id: folder.id });
    const first = await listing(owner, folder.id, { limit: 1 });
    expect(first.uploads).toHaveLength(1);
    const second = await listing(owner, folder.id, { limit: 1, cursor: first.next_cursor });
    expect(second.files_and_folders).toHaveLength(1);
    expect(second.uploads).toEqual([]);
  });
});
