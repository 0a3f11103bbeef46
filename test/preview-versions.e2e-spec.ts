/**
 * The preview follows the file's content through Replace and restore, and its URL is stable per preview: the real
 * API and the real workers making real previews, on the embedded store (its worker thread) and on a real S3 server
 * (s3rver, the workers in their own context fed by its events, as on Lambda or behind the receiver).
 */
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { ObjectStorage } from '@app/storage';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { download, eventually, expectStatus, FileDrive, Item, PREVIEW_WAIT_MS, sendBytes } from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { appOnS3rverWithWorkers } from './support/s3-store';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

const DAY_MS = 24 * 3600 * 1000;
type Rgb = [number, number, number];
const RED: Rgb = [220, 30, 30];
const BLUE: Rgb = [30, 40, 210];
const GREEN: Rgb = [30, 200, 60];

/** GET /image-preview's answer once ready. */
interface Preview {
  url: string;
  expires_at: string;
  width: number;
  height: number;
}

/** A JPEG of one colour. */
const solid = (width: number, height: number, [r, g, b]: Rgb): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();

const near = (got: Rgb, want: Rgb): boolean => got.every((value, i) => Math.abs(value - want[i]) <= 16);

/** The app under test, on one store, with workers making previews. */
interface Running {
  t: TestApp;
  close(): Promise<void>;
}

async function embedded(): Promise<Running> {
  const t = await startTestApp({ EMBEDDED_WORKERS: 'true', VERSIONS_MAX_DAYS: '30' });
  return { t, close: () => t.close() };
}

async function onS3rver(): Promise<Running> {
  return appOnS3rverWithWorkers('preview-versions', { VERSIONS_MAX_DAYS: '30' });
}

function previewSuite(start: () => Promise<Running>) {
  let running: Running;
  let t: TestApp;
  beforeAll(async () => {
    running = await start();
    t = running.t;
  });
  afterAll(() => running.close());

  const newDrive = async (): Promise<FileDrive> => new FileDrive(t.http, await registerAndLogin(t.http));
  const stored = async (key: string): Promise<boolean> => (await t.app.get(ObjectStorage).head(key)) !== null;
  /** The preview keys the file's row and its versions' name, current first. */
  const previewKeys = async (fileId: string): Promise<{ current: string | null; versions: string[] }> => {
    const db = t.app.get(DataSource);
    const [item] = await db.query(`SELECT preview_key FROM items WHERE id = $1`, [fileId]);
    const versions: { preview_key: string }[] = await db.query(
      `SELECT preview_key FROM file_versions WHERE file_id = $1 AND preview_key IS NOT NULL ORDER BY replaced_at`,
      [fileId],
    );
    return { current: item?.preview_key ?? null, versions: versions.map((row) => row.preview_key) };
  };

  async function upload(drive: FileDrive, name: string, bytes: Buffer, replace = false): Promise<Item> {
    const { file, upload } = await drive.startUpload(name, bytes, {
      content_type: 'image/jpeg',
      ...(replace ? { file_conflict: 'Replace' as const } : {}),
    });
    await sendBytes(upload, bytes);
    return file;
  }

  /** Waits until the file's preview is ready and `width` wide (the content expected): the API's answer. */
  const previewOfWidth = (drive: FileDrive, fileId: string, width: number): Promise<Preview> =>
    eventually(
      `a preview ${width} wide`,
      async () => {
        const res = await drive.waitForPreview(fileId);
        expectStatus(res, 200);
        return res.body.width === width ? (res.body as Preview) : undefined;
      },
      PREVIEW_WAIT_MS,
    );

  /** What a preview URL serves: its colour, and the headers it is served with. */
  async function served(url: string): Promise<{ colour: Rgb; cacheControl: string | null }> {
    const got = await download(url);
    expect(got.status).toBe(200);
    const stats = await sharp(got.body).stats();
    return {
      colour: [0, 1, 2].map((i) => Math.round(stats.channels[i].mean)) as Rgb,
      cacheControl: got.headers.get('cache-control'),
    };
  }

  /** A preview URL's life: the window it is signed in, plus the download TTL. */
  const lifetime = (): number => t.config.storage.previewUrlWindowSeconds + t.config.storage.downloadUrlTtlSeconds;

  /**
   * Two answers in a row that are the same (same URL, same expiry), asking a third time only when the first two
   * straddle a window's boundary; each answer expires at a window's start plus the URL's lifetime.
   */
  async function sameAnswerTwice(drive: FileDrive, fileId: string): Promise<Preview> {
    const windowMs = t.config.storage.previewUrlWindowSeconds * 1000;
    const ask = async (): Promise<Preview> => {
      const res = await drive.preview(fileId);
      expectStatus(res, 200);
      expect((Date.parse(res.body.expires_at) - lifetime() * 1000) % windowMs).toBe(0);
      return res.body;
    };
    let previous = await ask();
    for (let asked = 2; asked <= 3; asked++) {
      const next = await ask();
      if (next.url === previous.url) {
        expect(next).toEqual(previous);
        return next;
      }
      // The only thing that changes an unchanged preview's URL is a new window.
      expect(Date.parse(next.expires_at) - Date.parse(previous.expires_at)).toBe(windowMs);
      previous = next;
    }
    throw new Error('Three answers in a row, three URLs');
  }

  it('a Replace gets a new preview at a new URL, the old one stays with its version; a restore brings it back ready at once', async () => {
    const drive = await newDrive();
    const file = await upload(drive, 'poster.jpg', await solid(320, 240, RED));
    await previewOfWidth(drive, file.id, 320);
    const red = await sameAnswerTwice(drive, file.id);
    expect(await served(red.url)).toEqual({
      colour: expect.any(Array),
      cacheControl: `private, max-age=${lifetime()}, immutable`,
    });
    expect(near((await served(red.url)).colour, RED)).toBe(true);

    await upload(drive, 'poster.jpg', await solid(240, 320, BLUE), true);
    await previewOfWidth(drive, file.id, 240);
    const blue = await sameAnswerTwice(drive, file.id);
    // A new preview, a new URL; the old URL still serves the old picture (the browser may keep it).
    expect(blue.url).not.toBe(red.url);
    expect(near((await served(blue.url)).colour, BLUE)).toBe(true);
    expect(near((await served(red.url)).colour, RED)).toBe(true);
    const keys = await previewKeys(file.id);
    expect(keys.versions).toHaveLength(1);
    expect(keys.current).not.toBe(keys.versions[0]);
    expect([await stored(keys.current!), await stored(keys.versions[0])]).toEqual([true, true]);

    const [version] = (await t.http.get(`/file/${file.id}/versions`).set(drive.auth)).body.versions;
    const restored = await t.http.post(`/file/${file.id}/versions/${version.version_id}/restore`).set(drive.auth);
    expectStatus(restored, 200);
    expect(restored.body).toMatchObject({ preview_status: 'ready', preview_ready: true });
    // Ready at once: no 202, no worker involved; the restored content's own picture.
    const back = await drive.preview(file.id);
    expectStatus(back, 200);
    expect({ width: back.body.width, height: back.body.height }).toEqual({ width: 320, height: 240 });
    expect(near((await served(back.body.url)).colour, RED)).toBe(true);
    expect(await previewKeys(file.id)).toEqual({ current: keys.versions[0], versions: [keys.current] });

    // And back again: the blue content's preview returned to its version, and now to the file.
    const [blueVersion] = (await t.http.get(`/file/${file.id}/versions`).set(drive.auth)).body.versions;
    expectStatus(await t.http.post(`/file/${file.id}/versions/${blueVersion.version_id}/restore`).set(drive.auth), 200);
    const again = await drive.preview(file.id);
    expectStatus(again, 200);
    expect(again.body.width).toBe(240);
    expect(near((await served(again.body.url)).colour, BLUE)).toBe(true);
  });

  it('deleting a version, the retention and a purge delete their previews; the orphan sweep keeps the live ones', async () => {
    const drive = await newDrive();
    const file = await upload(drive, 'series.jpg', await solid(100, 100, RED));
    await previewOfWidth(drive, file.id, 100);
    await upload(drive, 'series.jpg', await solid(110, 100, BLUE), true);
    await previewOfWidth(drive, file.id, 110);
    await upload(drive, 'series.jpg', await solid(120, 100, GREEN), true);
    await previewOfWidth(drive, file.id, 120);
    const keys = await previewKeys(file.id);
    expect(keys.versions).toHaveLength(2);
    const all = [keys.current!, ...keys.versions];
    expect(new Set(all).size).toBe(3);

    // Long after: every object is old enough to be an orphan, were no row to name it.
    await t.app.get(Reconciler).run(new Date(Date.now() + DAY_MS));
    for (const key of all) expect(await stored(key)).toBe(true);

    // The oldest version deleted: its preview goes with its bytes.
    const versions = (await t.http.get(`/file/${file.id}/versions`).set(drive.auth)).body.versions;
    const oldest = versions[versions.length - 1];
    expectStatus(await t.http.delete(`/file/${file.id}/versions/${oldest.version_id}`).set(drive.auth), 204);
    expect(await stored(keys.versions[0])).toBe(false);
    expect(await stored(keys.versions[1])).toBe(true);

    // The other one, past the retention's days: dropped by the reconciler, preview and all.
    await t.app.get(Reconciler).run(new Date(Date.now() + 31 * DAY_MS));
    expect((await previewKeys(file.id)).versions).toEqual([]);
    expect(await stored(keys.versions[1])).toBe(false);
    expect(await stored(keys.current!)).toBe(true);

    // Replaced once more, then purged: the file's preview and its version's go.
    await upload(drive, 'series.jpg', await solid(130, 100, RED), true);
    await previewOfWidth(drive, file.id, 130);
    const last = await previewKeys(file.id);
    expect(last.versions).toEqual([keys.current]);
    expectStatus(await drive.remove(file.id), 204);
    expectStatus(await t.http.delete(`/trash/${file.id}`).set(drive.auth), 204);
    expect([await stored(last.current!), await stored(keys.current!)]).toEqual([false, false]);
  });
}

describe('previews follow the content, at stable URLs: embedded store and workers', () => {
  previewSuite(embedded);
});

describe('previews follow the content, at stable URLs: a real S3 server, the workers fed by its events', () => {
  previewSuite(onS3rver);
});
