import { randomUUID } from 'node:crypto';
import { expectProblem, expectStatus } from './support/expectations';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

interface Result {
  index: number;
  status: number;
  item?: { id: string; name: string; parent_folder_id: string | null };
  error?: { status: number; code: string; detail: string };
}

describe('batch operations', () => {
  let t: TestApp;
  let owner: SharingDrive;
  let editor: SharingDrive;
  let viewer: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp();
    [owner, editor, viewer] = [await newSharingDrive(t), await newSharingDrive(t), await newSharingDrive(t)];
  });
  afterAll(() => t.close());

  async function batch(drive: SharingDrive, operation: string, body: object): Promise<Result[]> {
    const res = await t.http.post(`/batch/${operation}`).set(drive.auth).send(body);
    expectStatus(res, 200);
    expect(res.body.results.map((result: Result) => result.index)).toEqual(
      res.body.results.map((_: Result, i: number) => i),
    );
    return res.body.results;
  }
  const summary = (results: Result[]) => results.map((result) => result.error?.code ?? result.status);

  it('moves files and folders at once, each answered as its own PATCH would be, in order', async () => {
    const target = await owner.folder(`Target-${randomUUID()}`);
    const taken = await owner.confirmedFile('taken.txt', target.id);
    const folder = await owner.folder(`Moving-${randomUUID()}`);
    const file = await owner.confirmedFile('moving.txt');
    const clash = await owner.confirmedFile('taken.txt');
    const results = await batch(owner, 'move', {
      items: [
        { kind: 'file', id: file.id },
        { kind: 'folder', id: folder.id },
        { kind: 'file', id: randomUUID() },
        { kind: 'folder', id: target.id },
        { kind: 'file', id: clash.id },
      ],
      parent_folder_id: target.id,
    });
    expect(summary(results)).toEqual([200, 200, 'file_not_found', 'folder_move_cycle', 'file_name_conflict']);
    expect(results[0].item).toMatchObject({ id: file.id, parent_folder_id: target.id });
    expect(results[1].item).toMatchObject({ id: folder.id, parent_folder_id: target.id });
    expect(results[2].error).toMatchObject({ status: 404, detail: expect.any(String) });
    // Not atomic: what could be done is done, and what could not is as it was.
    const inTarget = (await owner.items(target.id)).map((item) => item.id).sort();
    expect(inTarget).toEqual([file.id, folder.id, taken.id].sort());
    expect((await owner.items()).map((item) => item.id)).toContain(clash.id);

    const back = await batch(owner, 'move', { items: [{ kind: 'file', id: file.id }], parent_folder_id: null });
    expect(back[0].item).toMatchObject({ id: file.id, parent_folder_id: null });
  });

  it('moves to the trash, restores and deletes forever in batches; the quota follows', async () => {
    const folder = await owner.folder(`Old-${randomUUID()}`);
    await owner.confirmedFile('inside.bin', folder.id, Buffer.alloc(300));
    const file = await owner.confirmedFile('loose.bin', null, Buffer.alloc(200));
    const before = (await owner.figures()).used_storage_in_bytes;

    const trashed = await batch(owner, 'trash', {
      items: [
        { kind: 'folder', id: folder.id },
        { kind: 'file', id: file.id },
        { kind: 'file', id: file.id },
      ],
    });
    expect(summary(trashed)).toEqual([204, 204, 'file_not_found']);
    const bin = await owner.trash();
    expect(bin.body.items.map((item: { id: string }) => item.id)).toEqual(expect.arrayContaining([folder.id, file.id]));

    const restored = await batch(owner, 'restore', { item_ids: [folder.id, randomUUID()] });
    expect(summary(restored)).toEqual([200, 'trash_item_not_found']);
    expect(restored[0].item).toMatchObject({ id: folder.id, parent_folder_id: null });
    expect((await owner.items(folder.id)).map((item) => item.name)).toEqual(['inside.bin']);

    const purged = await batch(owner, 'delete-forever', { item_ids: [file.id, folder.id] });
    // The folder is live again, not in the trash: its own request would have said so.
    expect(summary(purged)).toEqual([204, 'trash_item_not_found']);
    expect((await owner.figures()).used_storage_in_bytes).toBe(before - 200);
  });

  it('checks access item by item: an editor acts in a shared folder, a viewer is refused, a stranger told nothing', async () => {
    const shared = await owner.folder(`Team-${randomUUID()}`);
    const sub = await owner.folder('Sub', shared.id);
    const doc = await owner.confirmedFile('doc.txt', shared.id);
    const mine = await owner.confirmedFile('private.txt');
    await owner.share(shared, editor, 'edit');
    await owner.share(shared, viewer, 'view');

    const refused = await batch(viewer, 'move', { items: [{ kind: 'file', id: doc.id }], parent_folder_id: sub.id });
    expect(summary(refused)).toEqual(['permission_denied']);
    const done = await batch(editor, 'move', {
      items: [
        { kind: 'file', id: doc.id },
        { kind: 'file', id: mine.id },
      ],
      parent_folder_id: sub.id,
    });
    expect(summary(done)).toEqual([200, 'file_not_found']);
    expect((await owner.items(sub.id)).map((item) => item.id)).toEqual([doc.id]);
  });

  it('refuses a request that is not a batch: empty, over 1,000 items, unknown kinds, no destination', async () => {
    const item = { kind: 'file', id: randomUUID() };
    const post = (operation: string, body: object) => t.http.post(`/batch/${operation}`).set(owner.auth).send(body);
    expectProblem(await post('trash', { items: [] }), 422, 'validation_failed');
    expectProblem(await post('trash', { items: Array(1001).fill(item) }), 422, 'validation_failed');
    expectStatus(await post('trash', { items: Array(1000).fill(item) }), 200);
    const badKind = await post('trash', { items: [{ kind: 'photo', id: item.id }] });
    expectProblem(badKind, 422, 'validation_failed');
    expect(badKind.body.errors.map((error: { field: string }) => error.field)).toEqual(['items.0.kind']);
    expectProblem(await post('move', { items: [item] }), 422, 'validation_failed');
    expectProblem(await post('restore', { item_ids: ['not-a-uuid'] }), 422, 'validation_failed');
    expectProblem(await t.http.post('/batch/trash').send({ items: [item] }), 401, 'unauthorized');
  });
});
