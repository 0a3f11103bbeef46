import { randomUUID } from 'node:crypto';
import { openTestRepositories, TestRepositories } from '@app/testing';
import { Item } from '../entities';
import { Transactions } from '../transactions';
import { ItemsRepository } from './items.repository';
import { PreviewsRepository } from './previews.repository';
import { TrashRepository } from './trash.repository';
import { UploadsRepository } from './uploads.repository';
import { VersionsRepository } from './versions.repository';

/** A confirmed file and a way to replace its bytes as a confirmed Replace does (the version kept first). */
function replacing(db: TestRepositories) {
  return async (file: Item, sizeBytes: number, by: string = file.ownerId): Promise<Item> => {
    const uploads = db.module.get(UploadsRepository);
    return db.module.get(Transactions).run(async () => {
      const uploadKey = `files/${file.ownerId}/${file.id}~${randomUUID()}`;
      await uploads.setPendingUpload(file.id, {
        uploadKey,
        sizeBytes,
        contentType: 'text/plain',
        expiresAt: new Date(Date.now() + 60_000),
        requestedBy: by,
      });
      await db.module.get(VersionsRepository).keepCurrent(file.id);
      return uploads.confirmUpload(file.id, {
        sizeBytes,
        contentType: 'text/markdown',
        etag: `etag-${sizeBytes}`,
        versionId: `s3-${sizeBytes}`,
        previewStatus: 'pending',
        previewKey: `previews/${file.ownerId}/${file.id}~${sizeBytes}`,
      });
    });
  };
}

describe('VersionsRepository (real PostgreSQL)', () => {
  let db: TestRepositories;
  let versions: VersionsRepository;
  let replace: ReturnType<typeof replacing>;
  beforeAll(async () => {
    db = await openTestRepositories();
    versions = db.module.get(VersionsRepository);
    replace = replacing(db);
  });
  afterAll(() => db.close());

  it('keeps the current content as a version, with its object, pin, uploader and time; nothing for a file with no bytes', async () => {
    const owner = await db.make.user();
    const editor = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 10 });
    const second = await replace(file, 20, editor.id);
    expect(second).toMatchObject({ objectUploadedBy: editor.id, sizeBytes: 20, objectEtag: 'etag-20' });
    await replace(file, 30);

    const listed = await versions.list(file.id);
    expect(listed.map((version) => version.sizeBytes)).toEqual([20, 10]);
    expect(listed[0]).toMatchObject({
      fileId: file.id,
      ownerId: owner.id,
      objectKey: second.objectKey,
      objectEtag: 'etag-20',
      objectVersionId: 's3-20',
      contentType: 'text/markdown',
      uploadedBy: editor.id,
      uploaderName: editor.username,
      confirmedAt: second.objectConfirmedAt,
    });
    expect(listed[1]).toMatchObject({ objectKey: file.objectKey, uploadedBy: owner.id, uploaderName: owner.username });
    expect(listed[0].replacedAt.getTime()).toBeGreaterThanOrEqual(listed[0].confirmedAt.getTime());
    expect(await versions.currentUploaderName(file.id)).toBe(owner.username);

    const pending = await db.make.pendingFile(owner.id);
    expect(await versions.keepCurrent(pending.id)).toBeNull();
    expect(await versions.list(pending.id)).toEqual([]);
  });

  it('finds a version of its own file only', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id);
    const other = await db.make.confirmedFile(owner.id);
    await replace(file, 5);
    const [version] = await versions.list(file.id);
    expect(await versions.find(file.id, version.id)).toMatchObject({ id: version.id, sizeBytes: 100 });
    expect(await versions.find(other.id, version.id)).toBeNull();
    expect(await versions.remove(other.id, version.id)).toBeNull();
    expect(await versions.restore(other.id, version.id)).toBeNull();
    expect(await versions.list(file.id)).toHaveLength(1);
  });

  it('restores a version: its bytes become the file’s, the file’s a version, each with its preview; nothing lost', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 10 });
    const current = await replace(file, 20);
    // The current bytes' preview is ready, with what was learnt of them.
    await db.dataSource.query(
      `UPDATE items SET preview_status = 'ready', preview_width = 40, preview_height = 30, duration_ms = 1500,
              media_width = 640, media_height = 480 WHERE id = $1`,
      [file.id],
    );
    const [first] = await versions.list(file.id);
    expect(first).toMatchObject({ previewStatus: 'unsupported', previewKey: null });

    const restored = await versions.restore(file.id, first.id);
    expect(restored).toMatchObject({
      id: file.id,
      objectKey: file.objectKey,
      sizeBytes: 10,
      contentType: 'text/plain',
      objectEtag: null,
      previewStatus: 'unsupported',
      previewKey: null,
      durationMs: null,
      objectUploadedBy: owner.id,
    });
    const after = await versions.list(file.id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      objectKey: current.objectKey,
      sizeBytes: 20,
      objectEtag: 'etag-20',
      previewStatus: 'ready',
      previewKey: current.previewKey,
      previewWidth: 40,
      previewHeight: 30,
      durationMs: 1500,
      mediaWidth: 640,
      mediaHeight: 480,
    });
    expect(after[0].id).not.toBe(first.id);
    expect(await versions.restore(file.id, first.id)).toBeNull();

    // And back: the preview returns with its bytes, ready at once.
    expect(await versions.restore(file.id, after[0].id)).toMatchObject({
      objectKey: current.objectKey,
      previewStatus: 'ready',
      previewKey: current.previewKey,
      previewWidth: 40,
      durationMs: 1500,
    });
  });

  it('a restore and a delete of one version at once: exactly one of them takes it', async () => {
    const owner = await db.make.user();
    for (let round = 0; round < 5; round++) {
      const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 10 });
      await replace(file, 20);
      const [version] = await versions.list(file.id);
      const [restored, removed] = await Promise.all([
        db.module.get(Transactions).run(() => versions.restore(file.id, version.id)),
        db.module.get(Transactions).run(() => versions.remove(file.id, version.id)),
      ]);
      // Never both: the file would point at bytes whose version was deleted (and its object with it).
      expect([restored !== null, removed !== null].filter(Boolean)).toHaveLength(1);
      const now = await db.module.get(ItemsRepository).findLive(file.id);
      expect(now!.objectKey === version.objectKey).toBe(restored !== null);
      expect(now!.sizeBytes).toBe(restored ? 10 : 20);
    }
  });

  it('removes a version once, answering with what it held', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 7 });
    await replace(file, 8);
    const [version] = await versions.list(file.id);
    expect(await versions.remove(file.id, version.id)).toMatchObject({ sizeBytes: 7, objectKey: file.objectKey });
    expect(await versions.remove(file.id, version.id)).toBeNull();
    expect(await versions.list(file.id)).toEqual([]);
  });

  it('takes the versions of a trash entry’s files, and only those, before its purge', async () => {
    const owner = await db.make.user();
    const folder = await db.make.folder(owner.id);
    const inside = await db.make.confirmedFile(owner.id, folder.id, { sizeBytes: 3 });
    const outside = await db.make.confirmedFile(owner.id, null, { sizeBytes: 4 });
    await replace(inside, 30);
    await replace(outside, 40);
    await db.module.get(TrashRepository).trash(folder.id);

    const removed = await versions.removeOfTrashEntry(folder.id);
    expect(removed.map((version) => [version.fileId, version.sizeBytes])).toEqual([[inside.id, 3]]);
    expect(await versions.list(outside.id)).toHaveLength(1);
    // With its versions gone first, the purge deletes the rows.
    expect((await db.module.get(TrashRepository).purge(folder.id)).map((row) => row.id).sort()).toEqual(
      [folder.id, inside.id].sort(),
    );
  });

  it('counts a version’s object among the keys a file’s row points at (the orphan hunt keeps it)', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id);
    const current = await replace(file, 9);
    expect(await db.module.get(UploadsRepository).referencedKeys([file.id])).toEqual(
      new Set([file.objectKey, current.objectKey]),
    );
  });

  it('drops the versions replaced before a moment, oldest first, at most the limit per call', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 1 });
    for (const size of [2, 3, 4]) await replace(file, size);
    const kept = await versions.list(file.id);
    // The two oldest were replaced long ago.
    await db.dataSource.query(
      `UPDATE file_versions SET replaced_at = $2::timestamptz - (size_bytes || ' days')::interval WHERE id = ANY($1)`,
      [kept.slice(1).map((version) => version.id), '2000-01-10T00:00:00Z'],
    );
    const cutoff = { maxCount: 0, replacedBefore: new Date('2000-01-09T12:00:00Z') };

    expect((await versions.removeBeyondRetention(cutoff, 1)).map((version) => version.sizeBytes)).toEqual([2]);
    expect((await versions.removeBeyondRetention(cutoff, 10)).map((version) => version.sizeBytes)).toEqual([1]);
    expect(await versions.removeBeyondRetention(cutoff, 10)).toEqual([]);
    expect((await versions.list(file.id)).map((version) => version.sizeBytes)).toEqual([3]);
    expect(await versions.removeBeyondRetention({ maxCount: 0, replacedBefore: null }, 10)).toEqual([]);
  });
});

describe('VersionsRepository: the retention by count (real PostgreSQL, a database of its own)', () => {
  let db: TestRepositories;
  let versions: VersionsRepository;
  beforeAll(async () => {
    db = await openTestRepositories();
    versions = db.module.get(VersionsRepository);
  });
  afterAll(() => db.close());

  it('keeps each file’s newest versions up to the count; two passes at once drop each version once', async () => {
    const replace = replacing(db);
    const owner = await db.make.user();
    const many = await db.make.confirmedFile(owner.id, null, { sizeBytes: 1 });
    for (const size of [2, 3, 4, 5]) await replace(many, size);
    const few = await db.make.confirmedFile(owner.id, null, { sizeBytes: 10 });
    await replace(few, 11);

    const passes = await Promise.all([
      versions.removeBeyondRetention({ maxCount: 2, replacedBefore: null }, 100),
      versions.removeBeyondRetention({ maxCount: 2, replacedBefore: null }, 100),
    ]);
    expect(
      passes
        .flat()
        .map((version) => version.sizeBytes)
        .sort(),
    ).toEqual([1, 2]);
    expect((await versions.list(many.id)).map((version) => version.sizeBytes)).toEqual([4, 3]);
    expect(await versions.list(few.id)).toHaveLength(1);
    expect(await db.module.get(ItemsRepository).findLive(many.id)).toMatchObject({ sizeBytes: 5 });
  });
});

describe('PreviewsRepository: a preview follows its bytes between the file and its versions (real PostgreSQL)', () => {
  let db: TestRepositories;
  let previews: PreviewsRepository;
  let replace: ReturnType<typeof replacing>;
  beforeAll(async () => {
    db = await openTestRepositories();
    previews = db.module.get(PreviewsRepository);
    replace = replacing(db);
  });
  afterAll(() => db.close());

  const ready = (item: Item, width = 40) => ({
    status: 'ready' as const,
    width,
    height: 30,
    objectKey: item.objectKey,
    previewKey: item.previewKey,
    durationMs: null,
    mediaWidth: null,
    mediaHeight: null,
  });

  it('records the outcome on the file while its bytes are current, on their version once replaced, else nowhere', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 1 });
    const second = await replace(file, 2);
    expect(second).toMatchObject({ previewStatus: 'pending', previewKey: expect.stringMatching(/^previews\//) });
    expect(await previews.settlePreview(file.id, ready(second))).toBe('file');
    // A repeat changes nothing.
    expect(await previews.settlePreview(file.id, ready(second, 99))).toBeNull();

    const third = await replace(file, 3);
    const fourth = await replace(file, 4);
    // The third bytes' preview is finished after the fourth took over: it goes to their version.
    expect(await previews.settlePreview(file.id, ready(third, 33))).toBe('version');
    const listed = await db.module.get(VersionsRepository).list(file.id);
    expect(listed.find((version) => version.objectKey === third.objectKey)).toMatchObject({
      previewStatus: 'ready',
      previewKey: third.previewKey,
      previewWidth: 33,
    });
    expect(await db.module.get(ItemsRepository).findLive(file.id)).toMatchObject({
      objectKey: fourth.objectKey,
      previewStatus: 'pending',
      previewKey: fourth.previewKey,
    });
    // Another key than the one awaited is not this preview.
    expect(await previews.settlePreview(file.id, { ...ready(fourth), previewKey: third.previewKey })).toBeNull();
    // A failure lets go of the key.
    expect(
      await previews.settlePreview(file.id, { ...ready(fourth), status: 'failed', width: null, height: null }),
    ).toBe('file');
    expect(await db.module.get(ItemsRepository).findLive(file.id)).toMatchObject({
      previewStatus: 'failed',
      previewKey: null,
    });

    // The keys the rows name: the second's and the third's previews; not the failed one's.
    expect(await previews.referencedPreviewKeys([file.id])).toEqual(new Set([second.previewKey, third.previewKey]));
  });

  it('gives up on previews pending too long, the files’ and the versions’ alike, letting go of their keys', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { sizeBytes: 1 });
    await replace(file, 2);
    const current = await replace(file, 3);
    expect(await previews.referencedPreviewKeys([file.id])).toHaveProperty('size', 2);
    await db.dataSource.query(`UPDATE items SET updated_at = '2000-01-01' WHERE id = $1`, [file.id]);
    await db.dataSource.query(`UPDATE file_versions SET replaced_at = '2000-01-01' WHERE file_id = $1`, [file.id]);

    expect((await previews.abandonPreviews(new Date('2000-01-02'), 100)).count).toBe(2);
    expect(await db.module.get(ItemsRepository).findLive(file.id)).toMatchObject({
      objectKey: current.objectKey,
      previewStatus: 'failed',
      previewKey: null,
    });
    const statuses = (await db.module.get(VersionsRepository).list(file.id)).map((version) => version.previewStatus);
    expect(statuses.sort()).toEqual(['failed', 'unsupported']);
    expect(await previews.referencedPreviewKeys([file.id])).toEqual(new Set());
  });
});
