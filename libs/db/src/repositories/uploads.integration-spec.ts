import { randomUUID } from 'node:crypto';
import { openTestRepositories, plannedFile, TestRepositories } from '@app/testing';
import { ItemsRepository } from './items.repository';
import { UploadsRepository } from './uploads.repository';

describe('UploadsRepository (real PostgreSQL)', () => {
  let db: TestRepositories;
  let uploads: UploadsRepository;
  let items: ItemsRepository;
  beforeAll(async () => {
    db = await openTestRepositories();
    uploads = db.module.get(UploadsRepository);
    items = db.module.get(ItemsRepository);
  });
  afterAll(() => db.close());

  const planned = (ownerId: string, name: string) => plannedFile(ownerId, null, { name });

  it('confirms a first upload: its key becomes the bytes, pinned, and the upload is cleared', async () => {
    const owner = await db.make.user();
    const pending = await db.make.pendingFile(owner.id, null, { sizeBytes: 42 });
    expect(pending).toMatchObject({ uploadStatus: 'pending', objectKey: null, uploadSizeBytes: 42 });
    const confirmed = await uploads.confirmUpload(pending.id, {
      sizeBytes: 42,
      contentType: 'image/png',
      etag: '"abc"',
      versionId: 'v1',
      previewStatus: 'pending',
      previewKey: `previews/${owner.id}/${pending.id}`,
    });
    expect(confirmed).toMatchObject({
      uploadStatus: 'confirmed',
      objectKey: pending.uploadKey,
      objectEtag: '"abc"',
      objectVersionId: 'v1',
      sizeBytes: 42,
      contentType: 'image/png',
      previewStatus: 'pending',
      uploadKey: null,
      uploadSizeBytes: null,
      uploadRequestedBy: null,
    });
  });

  it('refuses a taken name (in any case) with file_name_conflict', async () => {
    const owner = await db.make.user();
    await db.make.confirmedFile(owner.id, null, { name: 'Notes.txt' });
    await expect(uploads.insertPendingFile(planned(owner.id, 'notes.TXT'))).rejects.toMatchObject({
      code: 'file_name_conflict',
    });
  });

  it('inserts a batch in one statement, skipping names taken by a sibling or earlier in the batch', async () => {
    const owner = await db.make.user();
    await db.make.confirmedFile(owner.id, null, { name: 'taken.txt' });
    const batch = [
      planned(owner.id, 'a.txt'),
      planned(owner.id, 'TAKEN.txt'),
      planned(owner.id, 'b.txt'),
      planned(owner.id, 'A.txt'),
    ];
    const inserted = await uploads.insertPendingFiles(batch);
    expect(inserted.map((file) => file.id)).toEqual([batch[0].id, batch[2].id]);
    expect(await uploads.insertPendingFiles([])).toEqual([]);
    await uploads.deleteRows([batch[0].id]);
    expect(await items.findAny(batch[0].id)).toBeNull();
  });

  it('rejects a first upload (the name is free again) and a replacement (the file keeps its bytes)', async () => {
    const owner = await db.make.user();
    const first = await db.make.pendingFile(owner.id, null, { name: 'first.txt' });
    expect(await uploads.rejectUpload(first.id)).toMatchObject({ uploadStatus: 'rejected', uploadKey: null });
    await expect(uploads.insertPendingFile(planned(owner.id, 'first.txt'))).resolves.toMatchObject({
      name: 'first.txt',
    });

    const kept = await db.make.confirmedFile(owner.id, null, { sizeBytes: 9 });
    await uploads.setPendingUpload(kept.id, {
      uploadKey: `${kept.objectKey}~${randomUUID()}`,
      sizeBytes: 11,
      contentType: 'text/plain',
      expiresAt: new Date(Date.now() + 60_000),
      requestedBy: owner.id,
    });
    expect(await uploads.rejectUpload(kept.id)).toMatchObject({
      uploadStatus: 'confirmed',
      objectKey: kept.objectKey,
      sizeBytes: 9,
      uploadKey: null,
    });
  });

  it('forgets an upload that never came, only while it is the one in flight, answering its reservation', async () => {
    const owner = await db.make.user();
    const first = await db.make.pendingFile(owner.id, null, { sizeBytes: 13 });
    expect(await uploads.forgetUpload(first.id, 'files/not/this-one')).toBeNull();
    expect(await uploads.forgetUpload(first.id, first.uploadKey!)).toEqual({ ownerId: owner.id, reserved: 13 });
    expect(await items.findAny(first.id)).toBeNull();

    const replaced = await db.make.confirmedFile(owner.id);
    const key = `${replaced.objectKey}~${randomUUID()}`;
    await uploads.setPendingUpload(replaced.id, {
      uploadKey: key,
      sizeBytes: 17,
      contentType: 'text/plain',
      expiresAt: new Date(Date.now() + 60_000),
      requestedBy: owner.id,
    });
    expect(await uploads.forgetUpload(replaced.id, key)).toEqual({ ownerId: owner.id, reserved: 17 });
    expect(await items.findAny(replaced.id)).toMatchObject({ uploadKey: null, objectKey: replaced.objectKey });
    expect(await uploads.forgetUpload(replaced.id, key)).toBeNull();
  });

  it('finds uploads in flight, unconfirmed files of a folder, and the keys rows point at', async () => {
    const owner = await db.make.user();
    const folder = await db.make.folder(owner.id);
    const pending = await db.make.pendingFile(owner.id, folder.id);
    const confirmed = await db.make.confirmedFile(owner.id, folder.id);
    const inFlight = await uploads.pendingUploads(new Date(Date.now() + 3_600_000), 0, 10_000);
    expect(inFlight.map((file) => file.id)).toContain(pending.id);
    expect(inFlight.map((file) => file.id)).not.toContain(confirmed.id);
    expect((await uploads.unconfirmedFiles(owner.id, folder.id, 10)).map((file) => file.id)).toEqual([pending.id]);
    expect(await uploads.unconfirmedFiles(owner.id, null, 10)).toEqual([]);
    expect(await uploads.referencedKeys([pending.id, confirmed.id, randomUUID()])).toEqual(
      new Set([pending.uploadKey, confirmed.objectKey]),
    );
  });
});
