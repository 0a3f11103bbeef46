import { randomUUID } from 'node:crypto';
import { AppError } from '@app/contracts';
import { openTestRepositories, TestRepositories } from '@app/testing';
import { Item } from '../entities';
import { CopiedItem, CopiesRepository } from './copies.repository';
import { ItemsRepository } from './items.repository';
import { TrashRepository } from './trash.repository';

describe('CopiesRepository (real PostgreSQL)', () => {
  let db: TestRepositories;
  let copies: CopiesRepository;
  beforeAll(async () => {
    db = await openTestRepositories();
    copies = db.module.get(CopiesRepository);
  });
  afterAll(() => db.close());

  /** The row a copy of `item` would be, under `parentFolderId`. */
  const copyOf = (item: Item, parentFolderId: string | null, name = item.name): CopiedItem => ({
    id: randomUUID(),
    ownerId: item.ownerId,
    parentFolderId,
    kind: item.kind,
    name,
    type: item.type,
    sizeBytes: item.sizeBytes,
    contentType: item.contentType,
    objectKey: item.kind === 'file' ? `files/${item.ownerId}/${randomUUID()}` : null,
    objectEtag: item.objectEtag,
    objectVersionId: item.objectVersionId,
    previewStatus: item.previewStatus,
    previewKey: item.previewKey,
    previewWidth: item.previewWidth,
    previewHeight: item.previewHeight,
    durationMs: item.kind === 'file' ? 61_500 : null,
    mediaWidth: item.kind === 'file' ? 1920 : null,
    mediaHeight: item.kind === 'file' ? 1080 : null,
  });

  it('reads a folder and everything live in it, parents first: not the trash, not uploads still pending', async () => {
    const owner = await db.make.user();
    const folder = await db.make.folder(owner.id);
    const sub = await db.make.folder(owner.id, folder.id);
    const file = await db.make.confirmedFile(owner.id, folder.id);
    const deep = await db.make.confirmedFile(owner.id, sub.id);
    await db.make.pendingFile(owner.id, folder.id);
    const trashed = await db.make.folder(owner.id, folder.id);
    await db.make.confirmedFile(owner.id, trashed.id);
    await db.module.get(TrashRepository).trash(trashed.id);

    const tree = await copies.tree(folder.id, 100);
    expect(tree.map((item) => item.id)).toEqual([folder.id, ...[sub.id, file.id].sort(), deep.id]);
    // One more than the limit tells a folder too big; a file or a trashed folder is no tree.
    expect(await copies.tree(folder.id, 2)).toHaveLength(3);
    expect(await copies.tree(file.id, 10)).toEqual([]);
    expect(await copies.tree(trashed.id, 10)).toEqual([]);
  });

  it('inserts a copied tree in one statement, children before parents included, as confirmed files', async () => {
    const owner = await db.make.user();
    const folder = await db.make.folder(owner.id, null, 'Trip');
    const file = await db.make.confirmedFile(owner.id, folder.id, { name: 'notes.txt', sizeBytes: 42 });
    const folderCopy = copyOf(folder, null, 'Trip(1)');
    const fileCopy = copyOf(file, folderCopy.id);

    const inserted = await copies.insert([fileCopy, folderCopy], 'folder_name_conflict');
    expect(inserted.map((item) => item.id)).toEqual([fileCopy.id, folderCopy.id]);
    expect(inserted[0]).toMatchObject({
      parentFolderId: folderCopy.id,
      name: 'notes.txt',
      uploadStatus: 'confirmed',
      sizeBytes: 42,
      contentType: 'text/plain',
      objectKey: fileCopy.objectKey,
      previewStatus: 'unsupported',
      durationMs: 61_500,
      mediaWidth: 1920,
      mediaHeight: 1080,
      deletedAt: null,
    });
    expect(inserted[1]).toMatchObject({ kind: 'folder', name: 'Trip(1)', uploadStatus: null, sizeBytes: null });
    expect((await copies.tree(folderCopy.id, 10)).map((item) => item.id)).toEqual([folderCopy.id, fileCopy.id]);
  });

  it('answers a name taken at the destination with the conflict asked for, inserting nothing', async () => {
    const owner = await db.make.user();
    const file = await db.make.confirmedFile(owner.id, null, { name: `taken ${randomUUID()}.txt` });
    const copy = copyOf(file, null, file.name.toUpperCase());
    const refused = await copies.insert([copy], 'file_name_conflict').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'file_name_conflict' });
    expect(await db.module.get(ItemsRepository).findAny(copy.id)).toBeNull();
    expect(await copies.insert([], 'file_name_conflict')).toEqual([]);
  });
});
