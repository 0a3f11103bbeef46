import { randomUUID } from 'node:crypto';
import { Item } from './support/drive-files';
import { expectProblem, expectStatus, ITEM_KEYS } from './support/expectations';
import { deleteAccount, newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('sharing', () => {
  let t: TestApp;
  let owner: SharingDrive;
  let viewer: SharingDrive;
  let editor: SharingDrive;
  let stranger: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp({ USER_QUOTA_BYTES: '1000' });
    [owner, viewer, editor, stranger] = [
      await newSharingDrive(t),
      await newSharingDrive(t),
      await newSharingDrive(t),
      await newSharingDrive(t),
    ];
  });
  afterAll(() => t.close());

  describe('POST /share', () => {
    it('shares a folder by username and a file by e-mail, answering with the share', async () => {
      const folder = await owner.folder(`Projects-${randomUUID()}`);
      const file = await owner.confirmedFile('notes.txt');
      const folderShare = await owner.share(folder, viewer, 'view');
      expect(folderShare).toEqual({
        id: expect.stringMatching(UUID_V4),
        kind: 'folder',
        item_id: folder.id,
        item_name: folder.name,
        recipient: { id: viewer.account.id, username: viewer.account.username },
        permission: 'view',
        created_at: expect.stringMatching(ISO_UTC),
      });
      const fileShare = await owner.share(file, editor.account.email.toUpperCase(), 'edit');
      expect(fileShare).toMatchObject({ kind: 'file', item_id: file.id, permission: 'edit' });
      expect(fileShare.recipient.id).toBe(editor.account.id);
    });

    it('refuses sharing with oneself (400), an unknown user (404) and a second share to the same user (409)', async () => {
      const folder = await owner.folder(`Once-${randomUUID()}`);
      const body = { share_object_type: 'folder', folder_id: folder.id, permission: 'view' };
      expectProblem(
        await owner.shareRequest({ ...body, username: owner.account.username }),
        400,
        'cannot_share_with_self',
      );
      expectProblem(
        await owner.shareRequest({ ...body, username: owner.account.email }),
        400,
        'cannot_share_with_self',
      );
      expectProblem(await owner.shareRequest({ ...body, username: 'nobody_here' }), 404, 'user_not_found');
      await owner.share(folder, viewer, 'view');
      expectProblem(
        await owner.shareRequest({ ...body, username: viewer.account.username, permission: 'edit' }),
        409,
        'already_shared',
      );
      expect((await owner.sharesOf(folder)).body.shares).toHaveLength(1);
    });

    it('lets only the owner share: a recipient is refused with 403, a stranger with 404', async () => {
      const folder = await owner.folder(`Mine-${randomUUID()}`);
      await owner.share(folder, editor, 'edit');
      const body = {
        share_object_type: 'folder',
        folder_id: folder.id,
        username: stranger.account.username,
        permission: 'view',
      };
      expectProblem(await editor.shareRequest(body), 403, 'permission_denied');
      expectProblem(
        await stranger.shareRequest({ ...body, username: viewer.account.username }),
        404,
        'folder_not_found',
      );
      expectProblem(await owner.shareRequest({ ...body, folder_id: randomUUID() }), 404, 'folder_not_found');
    });

    it('validates the body: the id must match the type, one id only, a known permission, no unknown fields', async () => {
      const file = await owner.confirmedFile(`v-${randomUUID()}.txt`);
      const base = { username: viewer.account.username, permission: 'view' };
      const fieldOf = async (body: object) => {
        const res = await owner.shareRequest(body);
        expectProblem(res, 422, 'validation_failed');
        return res.body.errors.map((error: { field: string }) => error.field);
      };
      expect(await fieldOf({ ...base, share_object_type: 'folder', file_id: file.id })).toEqual(['file_id']);
      expect(await fieldOf({ ...base, share_object_type: 'file' })).toEqual(['file_id']);
      expect(await fieldOf({ ...base, share_object_type: 'file', file_id: file.id, folder_id: randomUUID() })).toEqual([
        'folder_id',
      ]);
      expect(await fieldOf({ ...base, share_object_type: 'file', file_id: file.id, permission: 'owner' })).toEqual([
        'permission',
      ]);
      expect(await fieldOf({ ...base, share_object_type: 'item', file_id: file.id })).toEqual(['share_object_type']);
      expect(await fieldOf({ ...base, share_object_type: 'file', file_id: 'nope' })).toEqual(['file_id']);
      expect(await fieldOf({ ...base, share_object_type: 'file', file_id: file.id, extra: 1 })).toEqual(['extra']);
      // A file named as a folder is not found as a folder (and the other way round).
      expectProblem(
        await owner.shareRequest({ ...base, share_object_type: 'folder', folder_id: file.id }),
        404,
        'folder_not_found',
      );
    });
  });

  describe('GET, PATCH and DELETE /share', () => {
    it('lists an item’s grants for its owner only; a change applies at once', async () => {
      const folder = await owner.folder(`Team-${randomUUID()}`);
      const share = await owner.share(folder, editor, 'edit');
      await owner.share(folder, viewer, 'view');
      const listed = await owner.sharesOf(folder);
      expectStatus(listed, 200);
      expect(listed.body.shares.map((s: { recipient: { id: string } }) => s.recipient.id)).toEqual([
        editor.account.id,
        viewer.account.id,
      ]);
      expectProblem(await editor.sharesOf(folder), 403, 'permission_denied');
      expectProblem(await stranger.sharesOf(folder), 404, 'folder_not_found');

      expectStatus(await editor.patchFolder(folder.id, { new_name: `Renamed-${randomUUID()}` }), 200);
      expectProblem(await editor.patchShare(share.id, { permission: 'edit' }), 403, 'permission_denied');
      expectProblem(await stranger.patchShare(share.id, { permission: 'view' }), 404, 'share_not_found');
      const changed = await owner.patchShare(share.id, { permission: 'view' });
      expectStatus(changed, 200);
      expect(changed.body).toMatchObject({ id: share.id, permission: 'view' });
      expectProblem(await editor.patchFolder(folder.id, { new_name: 'Again' }), 403, 'permission_denied');
      expectProblem(await owner.patchShare(share.id, { permission: 'own' }), 422, 'validation_failed');
      expectProblem(await owner.patchShare(randomUUID(), { permission: 'view' }), 404, 'share_not_found');
    });

    it('asks for exactly one of file_id and folder_id', async () => {
      const folder = await owner.folder(`Q-${randomUUID()}`);
      expectProblem(await t.http.get('/share').set(owner.auth), 422, 'validation_failed');
      expectProblem(
        await t.http.get('/share').set(owner.auth).query({ folder_id: folder.id, file_id: randomUUID() }),
        422,
        'validation_failed',
      );
    });

    it('lets the owner revoke and the recipient leave; a stranger is told there is no such share', async () => {
      const folder = await owner.folder(`Leave-${randomUUID()}`);
      const viewing = await owner.share(folder, viewer, 'view');
      const editing = await owner.share(folder, editor, 'edit');
      expectProblem(await stranger.deleteShare(viewing.id), 404, 'share_not_found');
      expectProblem(await editor.deleteShare(viewing.id), 404, 'share_not_found');
      expectStatus(await viewer.deleteShare(viewing.id), 204);
      expectProblem(await viewer.listing(folder.id), 404, 'folder_not_found');
      expectStatus(await owner.deleteShare(editing.id), 204);
      expectProblem(await editor.listing(folder.id), 404, 'folder_not_found');
      expectProblem(await owner.deleteShare(editing.id), 404, 'share_not_found');
      expect((await owner.sharesOf(folder)).body.shares).toEqual([]);
    });

    it('ends with the item purged or the recipient’s account deleted', async () => {
      const gone = await newSharingDrive(t);
      const folder = await owner.folder(`Cascade-${randomUUID()}`);
      await owner.share(folder, gone, 'view');
      const kept = await owner.share(folder, viewer, 'view');
      await deleteAccount(t, gone.account.id);
      expect((await owner.sharesOf(folder)).body.shares.map((s: { id: string }) => s.id)).toEqual([kept.id]);

      expectStatus(await owner.removeFolder(folder.id), 204);
      expectStatus(await t.http.delete(`/trash/${folder.id}`).set(owner.auth), 204);
      expectProblem(await owner.deleteShare(kept.id), 404, 'share_not_found');
      const shared = (await viewer.sharedWithMe({ limit: 1000 })).body.content;
      expect(shared.map((entry: { id: string }) => entry.id)).not.toContain(folder.id);
    });
  });

  describe('GET /shared-with-me', () => {
    it('lists direct shares at any depth, newest first, a page at a time, with the strongest permission', async () => {
      const reader = await newSharingDrive(t);
      const top = await owner.folder(`Deep-${randomUUID()}`);
      const middle = await owner.folder('Middle', top.id);
      const file = await owner.confirmedFile('deep.txt', middle.id);
      const other = await owner.folder(`Other-${randomUUID()}`);
      await owner.share(file, reader, 'view');
      await owner.share(middle, reader, 'edit');
      await owner.share(other, reader, 'view');

      const first = await reader.sharedWithMe({ limit: 2 });
      expectStatus(first, 200);
      expect(first.body.content.map((entry: { id: string }) => entry.id)).toEqual([other.id, middle.id]);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await reader.sharedWithMe({ limit: 2, cursor: first.body.next_cursor });
      expect(second.body.next_cursor).toBeNull();
      expect(second.body.content).toEqual([
        {
          share_id: expect.stringMatching(UUID_V4),
          kind: 'file',
          id: file.id,
          name: 'deep.txt',
          size_in_bytes: 8,
          type: 'txt',
          // Shared to view, but inside a folder shared to edit: the strongest wins.
          permission: 'edit',
          shared_at: expect.stringMatching(ISO_UTC),
          owner: { username: owner.account.username, email: owner.account.email },
        },
      ]);
      expect(first.body.content[0]).toMatchObject({
        kind: 'folder',
        size_in_bytes: null,
        type: null,
        permission: 'view',
      });

      // Trashed items are not shown, and come back with a restore.
      expectStatus(await owner.removeFolder(other.id), 204);
      const afterTrash = (await reader.sharedWithMe()).body.content.map((entry: { id: string }) => entry.id);
      expect(afterTrash).toEqual([middle.id, file.id]);
      expectStatus(await owner.restore(other.id), 200);
      expect((await reader.sharedWithMe()).body.content).toHaveLength(3);
      expect((await stranger.sharedWithMe()).body.content).toEqual([]);
    });

    it('refuses a forged cursor and a bad limit with 422', async () => {
      const forged = Buffer.from(JSON.stringify({ sharedAt: '2026-02-31 00:00:00+00', id: randomUUID() })).toString(
        'base64url',
      );
      expectProblem(await viewer.sharedWithMe({ cursor: forged }), 422, 'validation_failed');
      expectProblem(await viewer.sharedWithMe({ cursor: 'nope' }), 422, 'validation_failed');
      expectProblem(await viewer.sharedWithMe({ limit: 0 }), 422, 'validation_failed');
    });
  });

  describe('a shared folder, as its recipients see it', () => {
    let top: Item;
    let shared: Item;
    let inner: Item;
    let file: Item;

    beforeAll(async () => {
      top = await owner.folder(`Private-${randomUUID()}`);
      shared = await owner.folder('Shared', top.id);
      inner = await owner.folder('Inner', shared.id);
      file = await owner.confirmedFile('report.txt', shared.id);
      await owner.share(shared, viewer, 'view');
      await owner.share(shared, editor, 'edit');
      await owner.share(file, viewer, 'edit');
    });

    it('lists it with the real owner, each item’s permission, and no path above the share', async () => {
      const res = await viewer.listing(shared.id);
      expectStatus(res, 200);
      const owned = { id: owner.account.id, username: owner.account.username };
      expect(res.body.user).toBeNull();
      expect(res.body.path).toEqual([]);
      expect(res.body.folder).toMatchObject({
        id: shared.id,
        owner: owned,
        permission: 'view',
        parent_folder_id: null,
      });
      const items = res.body.files_and_folders as Item[];
      for (const item of items) expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);
      expect(items.map((item) => [item.id, item.permission, item.owner])).toEqual([
        [inner.id, 'view', owned],
        [file.id, 'edit', owned],
      ]);
      expect(JSON.stringify(res.body)).not.toContain(top.id);
      expect(JSON.stringify(res.body)).not.toContain(top.name);

      const below = await editor.listing(inner.id);
      expect(below.body.path).toEqual([{ id: shared.id, name: 'Shared' }]);
      expect(below.body.folder).toMatchObject({ permission: 'edit', parent_folder_id: shared.id });
      expect((await owner.listing(inner.id)).body.path.map((entry: { id: string }) => entry.id)).toEqual([
        top.id,
        shared.id,
      ]);
    });

    it('lets the viewer download but not change; the editor uploads and creates for the owner, on the owner’s quota', async () => {
      expectStatus(await viewer.get(file.id), 200);
      expectProblem(
        await viewer.requestUpload({ file_name: 'x.txt', file_size_in_bytes: 1, parent_folder_id: shared.id }),
        403,
        'permission_denied',
      );
      expectProblem(await viewer.patchFolder(inner.id, { new_name: 'Nope' }), 403, 'permission_denied');
      expectProblem(await viewer.removeFolder(inner.id), 403, 'permission_denied');

      const before = await owner.figures();
      const made = await editor.confirmedFile('by-editor.txt', inner.id, Buffer.alloc(100, 1));
      expect(made.owner).toEqual({ id: owner.account.id, username: owner.account.username });
      expect(made.permission).toBe('edit');
      expect((await owner.figures()).used_storage_in_bytes).toBe(before.used_storage_in_bytes + 100);
      expect((await editor.figures()).used_storage_in_bytes).toBe(0);

      const folder = await editor.folder('From editor', inner.id);
      expect(folder.owner.id).toBe(owner.account.id);
      const ownView = (await owner.items(inner.id)).map((item) => item.id);
      expect(ownView).toEqual(expect.arrayContaining([made.id, folder.id]));

      // The owner's quota (1000 bytes) is what counts, whatever the editor has left.
      const tooBig = await editor.requestUploads([
        { file_name: 'huge.bin', file_size_in_bytes: 990, parent_folder_id: inner.id },
        { file_name: 'own.bin', file_size_in_bytes: 990 },
      ]);
      expect(tooBig.body.results.map((r: { status: number }) => r.status)).toEqual([507, 201]);
    });

    it('lets the editor move within the shared tree only', async () => {
      const moving = await editor.folder(`Moving-${randomUUID()}`, shared.id);
      const mine = await editor.folder(`Mine-${randomUUID()}`);
      const res = await editor.patchFolder(moving.id, { parent_folder_id: inner.id });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ parent_folder_id: inner.id, permission: 'edit' });
      expectProblem(await editor.patchFolder(moving.id, { parent_folder_id: null }), 403, 'permission_denied');
      expectProblem(await editor.patchFolder(moving.id, { parent_folder_id: mine.id }), 403, 'permission_denied');
      expectProblem(await editor.patchFolder(moving.id, { parent_folder_id: top.id }), 404, 'folder_not_found');
      expectProblem(await editor.patchFolder(mine.id, { parent_folder_id: shared.id }), 403, 'permission_denied');
      expectProblem(await editor.patch(file.id, { parent_folder_id: mine.id }), 403, 'permission_denied');
      // A viewer of the destination cannot receive a move there either.
      const viewOnly = await stranger.folder(`ViewOnly-${randomUUID()}`);
      await stranger.share(viewOnly, editor, 'view');
      expectProblem(await editor.patchFolder(moving.id, { parent_folder_id: viewOnly.id }), 403, 'permission_denied');
      // A rename of the shared folder itself by its editor does not show the owner's private parent.
      const renamed = await editor.patchFolder(shared.id, { new_name: 'Shared' });
      expect(renamed.body.parent_folder_id).toBeNull();
    });

    it('puts what the editor deletes in the owner’s trash, which only the owner restores', async () => {
      const doomed = await editor.folder(`Doomed-${randomUUID()}`, shared.id);
      expectStatus(await editor.removeFolder(doomed.id), 204);
      expect((await editor.trash()).body.items).toEqual([]);
      expect((await owner.trash()).body.items.map((item: Item) => item.id)).toContain(doomed.id);
      expectProblem(await editor.restore(doomed.id), 403, 'permission_denied');
      expectProblem(await stranger.restore(doomed.id), 404, 'trash_item_not_found');
      expectStatus(await owner.restore(doomed.id), 200);
      expect((await editor.items(shared.id)).map((item) => item.id)).toContain(doomed.id);
    });
  });
});
