import { randomUUID } from 'node:crypto';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { Item } from './support/drive-files';
import { openEvents, StreamEvent } from './support/event-source';
import { expectProblem, expectStatus } from './support/expectations';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

interface Change {
  cursor: string;
  type: string;
  at: string;
  item: { id: string; kind: 'file' | 'folder'; name: string; parent_folder_id: string | null } | null;
  permission: 'view' | 'edit' | null;
}

describe('the change log: GET /changes and GET /events', () => {
  let t: TestApp;
  let base: string;
  let owner: SharingDrive;
  let viewer: SharingDrive;
  let stranger: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp({ EVENTS_HEARTBEAT_SECONDS: '1', CHANGES_RETENTION_HOURS: '1' });
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    [owner, viewer, stranger] = [await newSharingDrive(t), await newSharingDrive(t), await newSharingDrive(t)];
  });
  afterAll(() => t.close());

  async function latest(drive: SharingDrive): Promise<string> {
    const res = await t.http.get('/changes').set(drive.auth);
    expectStatus(res, 200);
    expect(res.body).toEqual({ changes: [], cursor: expect.stringMatching(/^\d+$/), has_more: false });
    return res.body.cursor;
  }

  /** Every change after `cursor`, following has_more. */
  async function changesAfter(drive: SharingDrive, cursor: string, limit = 1000): Promise<Change[]> {
    const all: Change[] = [];
    for (;;) {
      const res = await t.http.get('/changes').set(drive.auth).query({ cursor, limit });
      expectStatus(res, 200);
      all.push(...res.body.changes);
      cursor = res.body.cursor;
      if (!res.body.has_more) return all;
    }
  }

  const summary = (changes: Change[]): [string, string | undefined][] =>
    changes.map((change) => [change.type, change.item?.name]);

  async function ticket(drive: SharingDrive): Promise<string> {
    const res = await t.http.post('/events/tickets').set(drive.auth);
    expectStatus(res, 201);
    expect(res.body).toEqual({ ticket: expect.stringMatching(/^[\w-]{43}$/), expires_at: expect.any(String) });
    return res.body.ticket;
  }

  const isChange = (event: StreamEvent): boolean => event.event === 'change';
  const parsed = (event: StreamEvent): Change => JSON.parse(event.data);

  describe('GET /changes', () => {
    it('lists what the owner did to their items, in order, each with the cursor after it', async () => {
      const from = await latest(owner);
      const folder = await owner.folder(`Projects-${randomUUID()}`);
      const inner = await owner.folder('Inner', folder.id);
      expectStatus(await owner.patchFolder(inner.id, { new_name: 'Renamed' }), 200);
      expectStatus(await owner.patchFolder(inner.id, { parent_folder_id: null }), 200);
      const file = await owner.confirmedFile('notes.txt', folder.id);
      expectStatus(await owner.remove(file.id), 204);
      expectStatus(await owner.restore(file.id), 200);
      expectStatus(await owner.removeFolder(inner.id), 204);
      expectStatus(await t.http.delete(`/trash/${inner.id}`).set(owner.auth), 204);

      const changes = await changesAfter(owner, from);
      expect(summary(changes)).toEqual([
        ['item_created', folder.name],
        ['item_created', 'Inner'],
        ['item_renamed', 'Renamed'],
        ['item_moved', 'Renamed'],
        ['upload_confirmed', 'notes.txt'],
        ['item_trashed', 'notes.txt'],
        ['item_restored', 'notes.txt'],
        ['item_trashed', 'Renamed'],
        ['item_purged', 'Renamed'],
      ]);
      const cursors = changes.map((change) => Number(change.cursor));
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      expect(new Set(cursors).size).toBe(cursors.length);
      expect(changes[1].item).toEqual({ id: inner.id, kind: 'folder', name: 'Inner', parent_folder_id: folder.id });
      expect(changes[3].item!.parent_folder_id).toBeNull();
      expect(changes[4]).toEqual({
        cursor: expect.stringMatching(/^\d+$/),
        type: 'upload_confirmed',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        item: { id: file.id, kind: 'file', name: 'notes.txt', parent_folder_id: folder.id },
        permission: null,
      });
    });

    it('pages with limit and has_more, and an answer with no change keeps the cursor', async () => {
      const from = await latest(owner);
      for (const name of ['a', 'b', 'c']) await owner.folder(`${name}-${randomUUID()}`);
      const first = await t.http.get('/changes').set(owner.auth).query({ cursor: from, limit: 2 });
      expect(first.body.changes).toHaveLength(2);
      expect(first.body.has_more).toBe(true);
      const second = await t.http.get('/changes').set(owner.auth).query({ cursor: first.body.cursor, limit: 2 });
      expect(second.body.changes).toHaveLength(1);
      expect(second.body.has_more).toBe(false);
      const third = await t.http.get('/changes').set(owner.auth).query({ cursor: second.body.cursor });
      expect(third.body).toEqual({ changes: [], cursor: second.body.cursor, has_more: false });
    });

    it('logs nothing for a change that was refused (its transaction rolled back)', async () => {
      const from = await latest(owner);
      const a = await owner.folder(`Same-${randomUUID()}`);
      const b = await owner.folder(`Other-${randomUUID()}`);
      expectProblem(await owner.patchFolder(b.id, { new_name: a.name }), 409, 'folder_name_conflict');
      expect(summary(await changesAfter(owner, from))).toEqual([
        ['item_created', a.name],
        ['item_created', b.name],
      ]);
    });

    it('tells share recipients about what they can see, and no one else', async () => {
      const [ownerFrom, viewerFrom, strangerFrom] = [await latest(owner), await latest(viewer), await latest(stranger)];
      const shared = await owner.folder(`Shared-${randomUUID()}`);
      const hidden = await owner.folder(`Hidden-${randomUUID()}`);
      const share = await owner.share(shared, viewer, 'view');
      const inside = await owner.confirmedFile('inside.txt', shared.id);
      await owner.confirmedFile('private.txt', hidden.id);
      expectStatus(await owner.patch(inside.id, { file_name: 'inside-renamed.txt' }), 200);
      // Moved out of the shared folder: the viewer hears it went, without learning where.
      expectStatus(await owner.patch(inside.id, { parent_folder_id: hidden.id }), 200);
      expectStatus(await owner.patchShare(share.id, { permission: 'edit' }), 200);
      expectStatus(await owner.deleteShare(share.id), 204);
      await owner.confirmedFile('after-revoke.txt', shared.id);

      const heard = await changesAfter(viewer, viewerFrom);
      expect(summary(heard)).toEqual([
        ['share_added', shared.name],
        ['upload_confirmed', 'inside.txt'],
        ['item_renamed', 'inside-renamed.txt'],
        ['item_moved', 'inside-renamed.txt'],
        ['share_changed', shared.name],
        ['share_revoked', shared.name],
      ]);
      // The shared folder's own folder is not theirs to see; its contents' folder is.
      expect(heard[0].item).toMatchObject({ id: shared.id, parent_folder_id: null });
      expect(heard[0].permission).toBe('view');
      expect(heard[1].item).toMatchObject({ id: inside.id, parent_folder_id: shared.id });
      expect(heard[3].item).toMatchObject({ id: inside.id, parent_folder_id: null });
      expect(heard[4].permission).toBe('edit');

      expect(await changesAfter(stranger, strangerFrom)).toEqual([]);
      const ownerHeard = summary(await changesAfter(owner, ownerFrom));
      expect(ownerHeard).toContainEqual(['upload_confirmed', 'private.txt']);
      expect(ownerHeard).toContainEqual(['share_revoked', shared.name]);
      expect(ownerHeard).toContainEqual(['upload_confirmed', 'after-revoke.txt']);
    });

    it('tells the recipient of a share below a folder that is trashed and restored, of the item shared with them', async () => {
      const recipient = await newSharingDrive(t);
      const top = await owner.folder(`Top-${randomUUID()}`);
      const inner = await owner.folder('Shared inside', top.id);
      await owner.share(inner, recipient, 'view');
      const from = await latest(recipient);
      expectStatus(await owner.removeFolder(top.id), 204);
      expectStatus(await owner.restore(top.id), 200);
      const heard = await changesAfter(recipient, from);
      expect(heard.map((change) => [change.type, change.item!.id, change.item!.parent_folder_id])).toEqual([
        ['item_trashed', inner.id, null],
        ['item_restored', inner.id, null],
      ]);
    });

    it('tells those who shared with a deleted account, and those it shared with, that the share ended', async () => {
      const [leaving, sharedWith, sharedBy] = [
        await newSharingDrive(t),
        await newSharingDrive(t),
        await newSharingDrive(t),
      ];
      const mine = await leaving.folder(`Leaving-${randomUUID()}`);
      const theirs = await sharedBy.folder(`Given-${randomUUID()}`);
      await leaving.share(mine, sharedWith, 'edit');
      await sharedBy.share(theirs, leaving, 'view');
      const [withFrom, byFrom] = [await latest(sharedWith), await latest(sharedBy)];
      expectStatus(await t.http.delete('/user').set(leaving.auth).send({ password: leaving.account.password }), 204);
      expect(summary(await changesAfter(sharedWith, withFrom))).toEqual([['share_revoked', mine.name]]);
      expect(summary(await changesAfter(sharedBy, byFrom))).toEqual([['share_revoked', theirs.name]]);
    });

    it('refuses a malformed cursor (422) and one it never gave (410 cursor_expired)', async () => {
      const res = await t.http.get('/changes').set(owner.auth).query({ cursor: 'abc' });
      expectProblem(res, 422, 'validation_failed');
      const now = Number(await latest(owner));
      expectProblem(
        await t.http
          .get('/changes')
          .set(owner.auth)
          .query({ cursor: String(now + 1000) }),
        410,
        'cursor_expired',
      );
      expectProblem(await t.http.get('/changes'), 401, 'unauthorized');
    });

    it('expires a cursor once the retention has deleted changes after it (410), and keeps the later ones', async () => {
      const drive = await newSharingDrive(t);
      const from = await latest(drive);
      await drive.folder('old');
      const report = await t.app.get(Reconciler).run(new Date(Date.now() + 2 * 3600_000));
      expect(report.changesForgotten).toBeGreaterThanOrEqual(1);
      expectProblem(await t.http.get('/changes').set(drive.auth).query({ cursor: from }), 410, 'cursor_expired');
      const fresh = await latest(drive);
      await drive.folder('new');
      expect(summary(await changesAfter(drive, fresh))).toEqual([['item_created', 'new']]);
    });
  });

  describe('GET /events', () => {
    it('streams changes live with a ticket, each event id its cursor, with heartbeats', async () => {
      const stream = await openEvents(`${base}/events?ticket=${await ticket(owner)}`);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['cache-control']).toBe('no-store');
      const folder = await owner.folder(`Live-${randomUUID()}`);
      const [event] = await stream.next(isChange);
      expect(parsed(event)).toMatchObject({ type: 'item_created', item: { id: folder.id, name: folder.name } });
      expect(event.id).toBe(parsed(event).cursor);
      await stream.next(() => stream.comments.includes('keep-alive'), 1, 5000);
      stream.close();
    });

    it('refuses a ticket used twice, an unknown one, and no credentials at all (401)', async () => {
      const once = await ticket(owner);
      const first = await openEvents(`${base}/events?ticket=${once}`);
      expect(first.status).toBe(200);
      first.close();
      for (const url of [`${base}/events?ticket=${once}`, `${base}/events?ticket=nope`]) {
        const again = await openEvents(url);
        expect(again.status).toBe(401);
        expect(JSON.parse(await again.body())).toMatchObject({ code: 'event_ticket_invalid', status: 401 });
      }
      const anonymous = await openEvents(`${base}/events`);
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(await anonymous.body())).toMatchObject({ code: 'unauthorized' });
    });

    it('a ticket made before a logout everywhere opens nothing', async () => {
      const drive = await newSharingDrive(t);
      const made = await ticket(drive);
      expectStatus(await t.http.post('/logout').set(drive.auth).send({ everywhere: true }), 204);
      const stream = await openEvents(`${base}/events?ticket=${made}`);
      expect(stream.status).toBe(401);
    });

    it('resumes after a disconnect from Last-Event-ID (or ?cursor=): what was missed, in order, then live', async () => {
      const first = await openEvents(`${base}/events`, owner.auth);
      const a = await owner.folder(`A-${randomUUID()}`);
      const [seen] = await first.next(isChange);
      first.close();
      const b = await owner.folder(`B-${randomUUID()}`);
      const c = await owner.folder(`C-${randomUUID()}`);

      const resumed = await openEvents(`${base}/events`, { ...owner.auth, 'Last-Event-ID': seen.id! });
      const missed = await resumed.next(isChange, 2);
      expect(missed.map((event) => parsed(event).item!.id)).toEqual([b.id, c.id]);
      const d = await owner.folder(`D-${randomUUID()}`);
      const [live] = await resumed.next((event) => isChange(event) && parsed(event).item!.id === d.id);
      expect(Number(live.id)).toBeGreaterThan(Number(missed[1].id));
      resumed.close();

      const byQuery = await openEvents(`${base}/events?ticket=${await ticket(owner)}&cursor=${seen.id}`);
      const again = await byQuery.next(isChange, 3);
      expect(again.map((event) => parsed(event).item!.id)).toEqual([b.id, c.id, d.id]);
      expect(parsed(seen).item!.id).toBe(a.id);
      byQuery.close();
    });

    it('says cursor_expired for a cursor it cannot serve, then goes on from now', async () => {
      const stream = await openEvents(`${base}/events`, { ...owner.auth, 'Last-Event-ID': '999999999' });
      const [expired] = await stream.next((event) => event.event === 'cursor_expired');
      expect(JSON.parse(expired.data)).toEqual({ cursor: expect.stringMatching(/^\d+$/) });
      const folder = await owner.folder(`After-${randomUUID()}`);
      const [event] = await stream.next(isChange);
      expect(parsed(event).item!.id).toBe(folder.id);
      stream.close();
      const bad = await openEvents(`${base}/events`, { ...owner.auth, 'Last-Event-ID': 'x' });
      expect(bad.status).toBe(422);
    });

    it('streams to a share recipient what they may see, and nothing to a stranger', async () => {
      const watching = await openEvents(`${base}/events?ticket=${await ticket(viewer)}`);
      const outsider = await openEvents(`${base}/events?ticket=${await ticket(stranger)}`);
      const folder: Item = await owner.folder(`Team-${randomUUID()}`);
      await owner.folder(`Private-${randomUUID()}`);
      await owner.share(folder, viewer, 'view');
      const file = await owner.confirmedFile('plan.txt', folder.id);
      const events = await watching.next(isChange, 2);
      expect(events.map((event) => [parsed(event).type, parsed(event).item!.id])).toEqual([
        ['share_added', folder.id],
        ['upload_confirmed', file.id],
      ]);
      // The stranger's stream has heard nothing by the time the viewer heard both.
      expect(outsider.events.filter(isChange)).toEqual([]);
      watching.close();
      outsider.close();
    });
  });
});
