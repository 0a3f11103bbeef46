import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalObjectStorage, ObjectStorage, objectKeys } from '@app/storage';
import { createApiApp } from '../apps/api/src/bootstrap';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { expectProblem, expectStatus } from './support/expectations';
import { eventually, Upload } from './support/drive-files';
import { WorkerlessDrive } from './support/workerless-drive';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 3600 * SECOND;

/** The row of a file, as the reconciler sees it. */
interface FileRow {
  upload_status: string;
  object_key: string | null;
  upload_key: string | null;
  size_bytes: string | null;
}

const ids = (items: { id: string }[]): string[] => items.map((item) => item.id);
/** A moment `ms` from now: the reconciler is told the time, so tests make it pass. */
const later = (ms: number): Date => new Date(Date.now() + ms);

/** One user of the API, over HTTP (the test plays the worker, or loses its events), with a look at their rows. */
class User extends WorkerlessDrive {
  async row(fileId: string): Promise<FileRow | undefined> {
    const rows: FileRow[] = await this.t.app
      .get(DataSource)
      .query('SELECT upload_status, object_key, upload_key, size_bytes FROM items WHERE id = $1', [fileId]);
    return rows[0];
  }

  /** The keys of the user's objects under files/. */
  async objects(): Promise<string[]> {
    return (await this.t.app.get(ObjectStorage).list(`files/${this.id}/`)).objects.map((object) => object.key);
  }
}

async function newUser(t: TestApp): Promise<User> {
  return new User(t, await registerAndLogin(t.http));
}

async function stored(t: TestApp, key: string): Promise<boolean> {
  return (await t.app.get(ObjectStorage).head(key)) !== null;
}

/** The moment the reconciler may forget an upload: its URL's expiry plus the grace period, and a second. */
function pastGrace(t: TestApp, upload: Upload): Date {
  return new Date(new Date(upload.expires_at).getTime() + t.config.drive.uploadGraceSeconds * SECOND + SECOND);
}

describe('the reconciler settles uploads whose events were lost', () => {
  let t: TestApp;
  let reconciler: Reconciler;
  beforeAll(async () => {
    t = await startTestApp();
    reconciler = t.app.get(Reconciler);
  });
  afterAll(() => t.close());

  it('confirms an upload whose bytes arrived but whose confirmation never came', async () => {
    const user = await newUser(t);
    const { file, upload } = await user.requestUpload('arrived.txt', 7);
    await user.send(upload, 'arrived');
    expect(await user.items()).toEqual([]);

    // Right away, the event still has its chance: the reconciler leaves the upload alone.
    await reconciler.run(new Date());
    expect((await user.row(file.id))?.upload_status).toBe('pending');

    const report = await reconciler.run(later(2 * MINUTE));

    expect(report.confirmed).toBeGreaterThanOrEqual(1);
    expect(ids(await user.items())).toEqual([file.id]);
    expect(await user.row(file.id)).toEqual({
      upload_status: 'confirmed',
      object_key: objectKeys.file(user.id, file.id),
      upload_key: null,
      size_bytes: '7',
    });
    expect(await user.quota()).toEqual({ used: 7, reserved: 0 });
    expect(await user.download(file.id)).toBe('arrived');
  });

  it('confirms a "Replace" whose bytes arrived: the new bytes take over and the old ones are kept as a version', async () => {
    const user = await newUser(t);
    const file = await user.file('doc.txt', 'old');
    const { upload } = await user.requestUpload('doc.txt', 5, { conflict: 'Replace' });
    await user.send(upload, 'newer');
    expect(await user.download(file.id)).toBe('old');

    await reconciler.run(later(2 * MINUTE));

    expect(await user.download(file.id)).toBe('newer');
    expect(await user.quota()).toEqual({ used: 3 + 5, reserved: 0 });
    expect((await user.objects()).sort()).toEqual(
      [objectKeys.file(user.id, file.id), (await user.row(file.id))!.object_key].sort(),
    );
  });

  it('forgets an upload that never arrived once its URL expired and the grace period passed, not before', async () => {
    const user = await newUser(t);
    const { total } = await user.storage();
    const { file, upload } = await user.requestUpload('never.txt', 1000);
    expect(await user.quota()).toEqual({ used: 0, reserved: 1000 });
    const deadline = pastGrace(t, upload);

    await reconciler.run(new Date(deadline.getTime() - 2 * SECOND));

    expect(await user.row(file.id)).toBeDefined();
    expect(await user.quota()).toEqual({ used: 0, reserved: 1000 });
    expectStatus(await user.requestUploadRaw('never.txt', 1), 409);

    const report = await reconciler.run(deadline);

    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await user.row(file.id)).toBeUndefined();
    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect(await user.storage()).toEqual({ used: 0, available: total, total });
    // The name is free again.
    expect((await user.requestUpload('never.txt', 1)).file.name).toBe('never.txt');
  });

  it('forgets an upload that never arrived into a folder', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Inbox');
    const { file, upload } = await user.requestUpload('lost.txt', 50, { parentId: folder.id });
    await reconciler.run(pastGrace(t, upload));
    expect(await user.row(file.id)).toBeUndefined();
    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect(await user.items(folder.id)).toEqual([]);
  });

  it('forgets a "Replace" that never arrived: the file keeps its old bytes, and the reservation is freed', async () => {
    const user = await newUser(t);
    const file = await user.file('keep.txt', 'original');
    const { upload } = await user.requestUpload('keep.txt', 300, { conflict: 'Replace' });
    expect(await user.quota()).toEqual({ used: 8, reserved: 300 });

    await reconciler.run(new Date(pastGrace(t, upload).getTime() - 2 * SECOND));
    expect(await user.quota()).toEqual({ used: 8, reserved: 300 });

    await reconciler.run(pastGrace(t, upload));

    expect(await user.quota()).toEqual({ used: 8, reserved: 0 });
    expect(await user.row(file.id)).toEqual({
      upload_status: 'confirmed',
      object_key: objectKeys.file(user.id, file.id),
      upload_key: null,
      size_bytes: '8',
    });
    expect(await user.items()).toEqual([expect.objectContaining({ id: file.id, size_in_bytes: 8 })]);
    expect(await user.download(file.id)).toBe('original');
  });

  it('forgets a deleted file’s upload that never arrived, freeing its reservation', async () => {
    const user = await newUser(t);
    const { file, upload } = await user.requestUpload('binned.txt', 40);
    await user.remove(file);
    await reconciler.run(pastGrace(t, upload));
    expect(await user.row(file.id)).toBeUndefined();
    expect(await user.quota()).toEqual({ used: 0, reserved: 0 });
    expect(await user.trash()).toEqual([]);
  });
});

describe('the reconciler purges old trash', () => {
  let t: TestApp;
  let reconciler: Reconciler;
  beforeAll(async () => {
    t = await startTestApp();
    reconciler = t.app.get(Reconciler);
  });
  afterAll(() => t.close());

  it('purges items deleted longer ago than the retention (30 days), and not newer ones', async () => {
    const user = await newUser(t);
    const folder = await user.folder('Old stuff');
    const inside = await user.file('inside.txt', 'inside', { parentId: folder.id });
    const loose = await user.file('loose.txt', 'loose');
    const kept = await user.file('kept.txt', 'kept');
    await user.remove(folder);
    await user.remove(loose);
    expect(await user.quota()).toEqual({ used: 15, reserved: 0 });

    await reconciler.run(later(29 * DAY));

    expect(ids(await user.trash())).toEqual([loose.id, folder.id]);
    expect(await user.quota()).toEqual({ used: 15, reserved: 0 });
    expect(await stored(t, objectKeys.file(user.id, inside.id))).toBe(true);

    const report = await reconciler.run(later(31 * DAY));

    expect(report.purged).toBeGreaterThanOrEqual(2);
    expect(await user.trash()).toEqual([]);
    expect(await user.quota()).toEqual({ used: 4, reserved: 0 });
    expect(await user.objects()).toEqual([objectKeys.file(user.id, kept.id)]);
    expect(await user.row(inside.id)).toBeUndefined();
    expect(ids(await user.items())).toEqual([kept.id]);
  });

  it('purges, at the present time, what was deleted more than 30 days ago, and leaves what is recent', async () => {
    const user = await newUser(t);
    const old = await user.file('old.txt', 'old!');
    const recent = await user.file('recent.txt', 'recent');
    await user.remove(old);
    await user.remove(recent);
    await t.app
      .get(DataSource)
      .query(`UPDATE items SET deleted_at = now() - interval '31 days' WHERE trash_root_id = $1`, [old.id]);

    await reconciler.run(new Date());

    expect(ids(await user.trash())).toEqual([recent.id]);
    expect(await user.quota()).toEqual({ used: 6, reserved: 0 });
    expect(await user.objects()).toEqual([objectKeys.file(user.id, recent.id)]);
  });
});

describe('the reconciler removes objects no row points at', () => {
  let t: TestApp;
  let reconciler: Reconciler;
  let storage: ObjectStorage;
  beforeAll(async () => {
    t = await startTestApp();
    reconciler = t.app.get(Reconciler);
    storage = t.app.get(ObjectStorage);
  });
  afterAll(() => t.close());

  it('deletes orphans under files/ and previews/ once older than an upload URL’s life and the grace, keeps referenced ones', async () => {
    const user = await newUser(t);
    const file = await user.file('real.txt', 'real');
    const { file: replaced } = await user.requestUpload('real.txt', 3, { conflict: 'Replace' });
    const pendingKey = (await user.row(replaced.id))!.upload_key!;
    const orphan = objectKeys.file(user.id, randomUUID());
    const strayReplacement = objectKeys.file(user.id, file.id, randomUUID());
    // Previews: of no file at all; of a file that has none (text); of a file whose preview is ready (kept), and of
    // bytes of that file that no row names (neither the file nor a version).
    const orphanPreview = objectKeys.previewOf(objectKeys.file(user.id, randomUUID()));
    const plain = await user.file('plain.txt', 'plain');
    const stalePreview = objectKeys.previewOf(objectKeys.file(user.id, plain.id));
    const pictured = await user.file('pictured.txt', 'pictured');
    const preview = objectKeys.previewOf(objectKeys.file(user.id, pictured.id));
    await t.app
      .get(DataSource)
      .query(`UPDATE items SET preview_status = 'ready', preview_key = $2 WHERE id = $1`, [pictured.id, preview]);
    const unnamedPreview = objectKeys.previewOf(objectKeys.file(user.id, pictured.id, randomUUID()));
    for (const key of [orphan, strayReplacement, orphanPreview, stalePreview, unnamedPreview, preview]) {
      await storage.write(key, Buffer.from('x'), 'text/plain');
    }
    await storage.write(pendingKey, Buffer.from('new'), 'text/plain');
    const age = (t.config.storage.uploadUrlTtlSeconds + t.config.drive.uploadGraceSeconds) * SECOND;

    await reconciler.run(new Date());
    // (This run also confirms the upload in flight, whose bytes are there: its new key becomes the file's.)
    await reconciler.run(later(age - MINUTE));
    const orphans = [orphan, strayReplacement, orphanPreview, stalePreview, unnamedPreview];
    for (const key of orphans) expect(await stored(t, key)).toBe(true);

    const report = await reconciler.run(later(age + MINUTE));

    expect(report.orphansDeleted).toBe(orphans.length);
    for (const key of orphans) expect(await stored(t, key)).toBe(false);
    expect(await stored(t, preview)).toBe(true);
    // The replaced bytes are a version of the file: referenced, so kept.
    expect((await user.objects()).sort()).toEqual(
      [
        pendingKey,
        objectKeys.file(user.id, file.id),
        objectKeys.file(user.id, plain.id),
        objectKeys.file(user.id, pictured.id),
      ].sort(),
    );
    expect(await user.download(file.id)).toBe('new');
    expect(await user.quota()).toEqual({ used: 3 + 'real'.length + 'plain'.length + 'pictured'.length, reserved: 0 });
  });

  it('keeps the bytes of confirmed files, of files in the trash, and of uploads in flight', async () => {
    const user = await newUser(t);
    const live = await user.file('live.txt', 'live');
    const binned = await user.file('binned.txt', 'binned');
    await user.remove(binned);
    const pending = await user.requestUpload('pending.txt', 2);
    await user.send(pending.upload, 'pp');
    const before = await user.objects();
    expect(before).toHaveLength(3);

    // Ahead of an upload URL's life, not of the trash's retention.
    await reconciler.run(later(2 * DAY));

    expect((await user.objects()).sort()).toEqual(before.sort());
    expect(await user.download(live.id)).toBe('live');
    expect(ids(await user.trash())).toEqual([binned.id]);
  });
});

/**
 * Everything the reconciler has to do, for one user: an upload that arrived unannounced (10 bytes), one
 * that never arrived (20), a file (30) whose "Replace" (40) never arrived, a file (50) deleted long ago, a
 * file (60) whose "Replace" (70) arrived unannounced, and an orphan. Settled, the user uses 10 + 30 + 70, and
 * 60 for the version the Replace kept.
 */
async function backlog(t: TestApp): Promise<{ user: User; orphan: string }> {
  const user = await newUser(t);
  const arrived = await user.requestUpload('arrived.bin', 10);
  await user.send(arrived.upload, 'a'.repeat(10));
  await user.requestUpload('never.bin', 20);
  await user.file('kept.bin', 'k'.repeat(30));
  await user.requestUpload('kept.bin', 40, { conflict: 'Replace' });
  await user.remove(await user.file('binned.bin', 'b'.repeat(50)));
  await user.file('swapped.bin', 's'.repeat(60));
  const swap = await user.requestUpload('swapped.bin', 70, { conflict: 'Replace' });
  await user.send(swap.upload, 'S'.repeat(70));
  const orphan = objectKeys.file(user.id, randomUUID());
  await t.app.get(ObjectStorage).write(orphan, Buffer.from('orphan'), 'application/octet-stream');
  expect(await user.quota()).toEqual({ used: 140, reserved: 140 });
  return { user, orphan };
}

/** The backlog, settled exactly once. */
async function expectSettled(t: TestApp, { user, orphan }: { user: User; orphan: string }): Promise<void> {
  expect(await user.quota()).toEqual({ used: 110 + 60, reserved: 0 });
  const listed = await user.items();
  expect(listed.map((item) => [item.name, item.size_in_bytes]).sort()).toEqual([
    ['arrived.bin', 10],
    ['kept.bin', 30],
    ['swapped.bin', 70],
  ]);
  expect(await user.trash()).toEqual([]);
  expect(await stored(t, orphan)).toBe(false);
  const keys = await user.objects();
  // The three files' bytes, and swapped.bin's earlier version.
  expect(keys).toHaveLength(4);
  for (const item of listed) {
    const row = (await user.row(item.id))!;
    expect(row.upload_key).toBeNull();
    expect(keys).toContain(row.object_key);
  }
  const swapped = listed.find((item) => item.name === 'swapped.bin')!;
  expect(await user.download(swapped.id)).toBe('S'.repeat(70));
}

describe('the reconciler gives up on previews no worker will finish', () => {
  let t: TestApp;
  let reconciler: Reconciler;
  beforeAll(async () => {
    t = await startTestApp();
    reconciler = t.app.get(Reconciler);
  });
  afterAll(() => t.close());

  it('calls failed a preview still pending an hour after its file was confirmed (no worker will finish it)', async () => {
    const user = await newUser(t);
    const stuck = await user.file('stuck.txt', 'stuck');
    const recent = await user.file('recent.txt', 'recent');
    const db = t.app.get(DataSource);
    // Pending as a confirmation leaves a preview: with the key it is to be stored at.
    const pending = `UPDATE items SET preview_status = 'pending', preview_key = 'previews/' || owner_id || '/' || id`;
    await db.query(`${pending}, updated_at = $2 WHERE id = $1`, [stuck.id, new Date(Date.now() - 61 * MINUTE)]);
    await db.query(`${pending} WHERE id = $1`, [recent.id]);

    const from = (await t.http.get('/changes').set(user.auth)).body.cursor;
    const report = await reconciler.run(new Date());

    expect(report.previewsAbandoned).toBe(1);
    // Whoever waits for it hears that none is coming.
    const heard = await t.http.get('/changes').set(user.auth).query({ cursor: from });
    expect(
      heard.body.changes.map((change: { type: string; item: { id: string } }) => [change.type, change.item.id]),
    ).toEqual([['preview_failed', stuck.id]]);
    const statuses = await db.query(`SELECT id, preview_status FROM items WHERE id = ANY($1::uuid[])`, [
      [stuck.id, recent.id],
    ]);
    expect(
      Object.fromEntries(statuses.map((row: { id: string; preview_status: string }) => [row.id, row.preview_status])),
    ).toEqual({
      [stuck.id]: 'failed',
      [recent.id]: 'pending',
    });
    const preview = await t.http.get(`/image-preview/${stuck.id}`).set(user.auth);
    expectProblem(preview, 404, 'preview_not_available');
  });
});

describe('the reconciler removes what a crash left half uploaded in the embedded store', () => {
  let t: TestApp;
  let tmp: string;
  beforeAll(async () => {
    t = await startTestApp();
    tmp = join(t.app.get(LocalObjectStorage).dir, '.tmp');
    mkdirSync(tmp, { recursive: true });
  });
  afterAll(() => t.close());

  /** A part file in the store's temporary directory, last written `age` ms ago. */
  function part(name: string, age: number): string {
    const path = join(tmp, name);
    writeFileSync(path, 'half an upload');
    const then = new Date(Date.now() - age);
    utimesSync(path, then, then);
    return name;
  }

  const parts = (): string[] => readdirSync(tmp).sort();

  it('removes parts older than an upload URL’s life and the grace, and leaves the parts of live uploads', async () => {
    const crashed = part('crashed.part', 2 * 3600 * SECOND);
    const live = part('live.part', 10 * SECOND);
    const report = await t.app.get(Reconciler).run(new Date());
    expect(report.partsRemoved).toBe(1);
    expect(parts()).not.toContain(crashed);
    expect(parts()).toContain(live);
    // Once no URL handed out before it can be alive, the other goes too.
    expect((await t.app.get(Reconciler).run(later(DAY))).partsRemoved).toBe(1);
    expect(parts()).not.toContain(live);
  });

  it('removes them when the API starts', async () => {
    const crashed = part('before-restart.part', 2 * 3600 * SECOND);
    const live = part('during-restart.part', 10 * SECOND);
    const restarted = await createApiApp(t.config);
    try {
      await eventually('the crashed part removed at start', async () => (parts().includes(crashed) ? undefined : true));
      expect(parts()).toContain(live);
    } finally {
      await restarted.close();
    }
  });
});

describe('the reconciler does each thing once', () => {
  let t: TestApp;
  let second: NestFastifyApplication;
  beforeAll(async () => {
    t = await startTestApp();
    // Another replica: the same database and the same store.
    second = await createApiApp(t.config);
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  it('settles everything in one run, and a second run finds nothing left to do', async () => {
    const work = await backlog(t);
    const now = later(31 * DAY);
    const first = await t.app.get(Reconciler).run(now);
    expect(first).toEqual({
      confirmed: 2,
      expired: 2,
      purged: 1,
      versionsDropped: 0,
      orphansDeleted: 1,
      previewsAbandoned: 0,
      partsRemoved: 0,
      revocationsForgotten: 0,
      // The changes this test made are older than the change log keeps, 31 days on.
      changesForgotten: expect.any(Number),
    });
    await expectSettled(t, work);

    const again = await t.app.get(Reconciler).run(now);

    expect(again).toEqual({
      confirmed: 0,
      expired: 0,
      purged: 0,
      versionsDropped: 0,
      orphansDeleted: 0,
      previewsAbandoned: 0,
      partsRemoved: 0,
      revocationsForgotten: 0,
      changesForgotten: 0,
    });
    await expectSettled(t, work);
  });

  it('settles everything exactly once when asked twice at the same time', async () => {
    const work = await backlog(t);
    const now = later(31 * DAY);
    const reconciler = t.app.get(Reconciler);
    await Promise.all([reconciler.run(now), reconciler.run(now)]);
    await expectSettled(t, work);
  });

  it('settles everything exactly once when two replicas run at the same time', async () => {
    const works = [];
    for (let i = 0; i < 3; i++) works.push(await backlog(t));
    const now = later(31 * DAY);

    await Promise.all([t.app.get(Reconciler).run(now), second.get(Reconciler).run(now)]);

    for (const work of works) await expectSettled(t, work);
    expect(await second.get(Reconciler).run(now)).toEqual({
      confirmed: 0,
      expired: 0,
      purged: 0,
      versionsDropped: 0,
      orphansDeleted: 0,
      previewsAbandoned: 0,
      partsRemoved: 0,
      revocationsForgotten: 0,
      changesForgotten: 0,
    });
  });
});
