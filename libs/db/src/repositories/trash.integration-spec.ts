import { AppError } from '@app/contracts';
import { openTestRepositories, TestRepositories } from '@app/testing';
import { User } from '../entities';
import { ItemsRepository } from './items.repository';
import { TrashRepository } from './trash.repository';

describe('TrashRepository (real PostgreSQL)', () => {
  let db: TestRepositories;
  let trash: TrashRepository;
  let items: ItemsRepository;
  beforeAll(async () => {
    db = await openTestRepositories();
    trash = db.module.get(TrashRepository);
    items = db.module.get(ItemsRepository);
  });
  afterAll(() => db.close());

  /** A folder holding a subfolder, each with a file: 4 items. */
  const tree = async (owner: User) => {
    const folder = await db.make.folder(owner.id);
    const sub = await db.make.folder(owner.id, folder.id);
    const file = await db.make.confirmedFile(owner.id, folder.id, { sizeBytes: 10 });
    const subFile = await db.make.confirmedFile(owner.id, sub.id, { sizeBytes: 20 });
    return { folder, sub, file, subFile };
  };

  it('marks a folder and everything in it with the folder, which alone is a trash entry', async () => {
    const owner = await db.make.user();
    const { folder, sub, subFile } = await tree(owner);
    expect(await trash.trash(folder.id)).toBe(4);
    expect((await items.findAny(subFile.id))!.trashRootId).toBe(folder.id);
    expect(await items.findLive(sub.id)).toBeNull();
    expect(await trash.findTrashRoot(folder.id)).toMatchObject({ id: folder.id });
    expect(await trash.findTrashRoot(sub.id)).toBeNull();
    expect((await trash.listTrash(owner.id, 10)).items.map((item) => item.id)).toEqual([folder.id]);
    expect(await trash.trashRootsOf(owner.id)).toEqual([folder.id]);
    // Trashing it again marks nothing.
    expect(await trash.trash(folder.id)).toBe(0);
  });

  it('restores exactly one deletion: what was trashed on its own before stays in the trash', async () => {
    const owner = await db.make.user();
    const { folder, sub, file, subFile } = await tree(owner);
    await trash.trash(subFile.id);
    await trash.trash(folder.id);
    const restored = await trash.restore(folder.id, { parentFolderId: null, name: folder.name });
    expect(restored).toMatchObject({ id: folder.id, deletedAt: null, trashRootId: null });
    expect(await items.findLive(sub.id)).not.toBeNull();
    expect(await items.findLive(file.id)).not.toBeNull();
    expect(await items.findLive(subFile.id)).toBeNull();
    expect(await trash.trashRootsOf(owner.id)).toEqual([subFile.id]);
  });

  it('restores under another name and place, and refuses a name taken there', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { name: 'report.txt' });
    const elsewhere = await db.make.folder(owner.id);
    await trash.trash(file.id);
    await db.make.confirmedFile(owner.id, null, { name: 'Report.txt' });
    await expect(trash.restore(file.id, { parentFolderId: null, name: 'report.txt' })).rejects.toMatchObject({
      code: 'file_name_conflict',
    });
    await expect(trash.restore(file.id, { parentFolderId: null, name: 'report.txt' })).rejects.toBeInstanceOf(AppError);
    const restored = await trash.restore(file.id, { parentFolderId: elsewhere.id, name: 'report (1).txt' });
    expect(restored).toMatchObject({ parentFolderId: elsewhere.id, name: 'report (1).txt', deletedAt: null });
  });

  it('purges an entry’s rows with what they held, and moves entries trashed inside it to the root', async () => {
    const owner = await db.make.user();
    const { folder, sub, file, subFile } = await tree(owner);
    const pending = await db.make.pendingFile(owner.id, folder.id, { sizeBytes: 7 });
    await trash.trash(subFile.id);
    await trash.trash(folder.id);
    const purged = await trash.purge(folder.id);
    expect(purged.map((row) => row.id).sort()).toEqual([folder.id, sub.id, file.id, pending.id].sort());
    expect(purged.find((row) => row.id === file.id)).toMatchObject({
      kind: 'file',
      uploadStatus: 'confirmed',
      sizeBytes: 10,
      objectKey: file.objectKey,
    });
    expect(purged.find((row) => row.id === pending.id)).toMatchObject({ uploadSizeBytes: 7, sizeBytes: null });
    // The file trashed on its own is still an entry, no longer under a folder that is gone.
    expect(await trash.findTrashRoot(subFile.id)).toMatchObject({ parentFolderId: null });
    expect(await trash.purge(folder.id)).toEqual([]);
  });

  it('pages the trash newest first, and finds entries older than a cutoff oldest first', async () => {
    const owner = await db.make.user();
    const files = [];
    for (let i = 0; i < 3; i++) {
      const file = await db.make.confirmedFile(owner.id);
      await trash.trash(file.id);
      files.push(file);
    }
    const first = await trash.listTrash(owner.id, 2);
    expect(first.items.map((item) => item.id)).toEqual([files[2].id, files[1].id]);
    const second = await trash.listTrash(owner.id, 2, first.next);
    expect(second.items.map((item) => item.id)).toEqual([files[0].id]);
    expect(second.next).toBeUndefined();
    const mine = new Set(files.map((file) => file.id));
    const old = (await trash.trashRootsBefore(new Date(Date.now() + 60_000), 1000)).filter((id) => mine.has(id));
    expect(old).toEqual(files.map((file) => file.id));
    expect((await trash.trashRootsBefore(new Date(0), 1000)).filter((id) => mine.has(id))).toEqual([]);
  });
});
