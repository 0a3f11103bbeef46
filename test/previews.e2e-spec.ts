/**
 * Image previews, end to end: the real API, the real embedded workers (a thread of the API's process) and the
 * real sharp, on real bytes (the EXIF-orientation photos and the PNG suite of test/fixtures).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import {
  animatedGif,
  fingerprint,
  FIXTURES_DIR,
  jpegImage,
  meanAbsoluteDifference,
  pixelFloodPng,
  svgBytes,
} from '@app/testing';
import {
  download,
  eventually,
  expectProblem,
  expectStatus,
  expectValidationError,
  FileDrive,
  FileUpload,
  ISO_UTC,
  Item,
  PREVIEW_WAIT_MS,
  sendBytes,
  UploadRequest,
} from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

const EXIF_DIR = join(FIXTURES_DIR, 'exif-orientation');
const PNG_SUITE = join(FIXTURES_DIR, 'pngsuite');
/** The side of the square every preview fits inside. */
const EDGE = 400;

/** GET /image-preview's answer once ready. */
interface Preview {
  url: string;
  expires_at: string;
  width: number;
  height: number;
}

/** A ready preview, and the image its URL serves. */
interface ServedPreview {
  preview: Preview;
  bytes: Buffer;
  meta: Metadata;
}

/** A new user, with an empty drive. */
async function newDrive(t: TestApp): Promise<FileDrive> {
  return new FileDrive(t.http, await registerAndLogin(t.http));
}

const text = (value: string): Buffer => Buffer.from(value, 'utf8');
const fixture = (dir: string, name: string): Promise<Buffer> => readFile(join(dir, name));

/** One batch (POST /files) for all the files, every one accepted, then all the bytes sent in parallel. */
async function uploadAll(
  drive: FileDrive,
  files: { name: string; bytes: Buffer; contentType?: string }[],
): Promise<Item[]> {
  const res = await drive.requestUploads(
    files.map(({ name, bytes, contentType }): UploadRequest => ({
      file_name: name,
      file_size_in_bytes: bytes.length,
      ...(contentType === undefined ? {} : { content_type: contentType }),
    })),
  );
  expectStatus(res, 200);
  const results = res.body.results as { status: number; file: Item; upload: FileUpload['upload'] }[];
  expect(results.map((result) => result.status)).toEqual(files.map(() => 201));
  await Promise.all(results.map((result, i) => sendBytes(result.upload, files[i].bytes)));
  return results.map((result) => result.file);
}

/** Waits for the preview, which must become ready, downloads it through its URL and reads it with sharp. */
async function readyPreview(drive: FileDrive, fileId: string): Promise<ServedPreview> {
  const res = await drive.waitForPreview(fileId);
  expectStatus(res, 200);
  expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'height', 'url', 'width']);
  expect(res.body.expires_at).toMatch(ISO_UTC);
  const got = await download(res.body.url);
  expect(got.status).toBe(200);
  const meta = await sharp(got.body).metadata();
  // What the API says of the preview is what its URL serves, under the type it is.
  expect({ width: meta.width, height: meta.height }).toEqual({ width: res.body.width, height: res.body.height });
  expect(got.headers.get('content-type')).toBe(`image/${meta.format}`);
  // Inside 400×400, and stripped: no EXIF (so no orientation left to apply twice), no ICC, XMP or IPTC.
  expect(meta.width).toBeLessThanOrEqual(EDGE);
  expect(meta.height).toBeLessThanOrEqual(EDGE);
  expect({ exif: meta.exif, icc: meta.icc, xmp: meta.xmp, iptc: meta.iptc, orientation: meta.orientation }).toEqual({
    exif: undefined,
    icc: undefined,
    xmp: undefined,
    iptc: undefined,
    orientation: undefined,
  });
  return { preview: res.body, bytes: got.body, meta };
}

/** Waits for the preview, which must end 404 preview_not_available: there is none and will be none. */
async function noPreview(drive: FileDrive, fileId: string): Promise<void> {
  expectProblem(await drive.waitForPreview(fileId), 404, 'preview_not_available');
}

describe('image previews: GET /image-preview/{id}, made by the embedded workers from real bytes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  it('previews all 18 EXIF-orientation photos upright, inside 400×400, as JPEG without EXIF', async () => {
    const drive = await newDrive(t);
    const names = ['Landscape', 'Portrait'].flatMap((kind) => Array.from({ length: 9 }, (_, n) => `${kind}_${n}.jpg`));
    const files = await Promise.all(
      names.map(async (name) => ({ name, bytes: await fixture(EXIF_DIR, name), contentType: 'image/jpeg' })),
    );
    const items = await uploadAll(drive, files);

    // 202 pending while the bytes arrive and the preview is made is allowed (waitForPreview checks each one).
    const previews = await Promise.all(items.map((item) => readyPreview(drive, item.id)));

    previews.forEach(({ preview, meta }, i) => {
      expect(meta.format).toBe('jpeg');
      // The photos are 1800×1200 once upright: shrunk to fit, the aspect kept.
      const [long, short] = names[i].startsWith('Landscape')
        ? [preview.width, preview.height]
        : [preview.height, preview.width];
      expect({ name: names[i], long }).toEqual({ name: names[i], long: EDGE });
      expect(Math.abs(short - EDGE / 1.5)).toBeLessThan(1);
    });
    const shapes = names.map((name, i) => [name, previews[i].preview.width > previews[i].preview.height]);
    expect(shapes).toEqual(names.map((name) => [name, name.startsWith('Landscape')]));

    // Upright: every Landscape_N looks like Landscape_0 (which has no orientation to apply); the same for
    // Portrait_N. A preview turned or mirrored the wrong way is far from it (30 and more; the same picture is
    // within 1).
    const prints = await Promise.all(previews.map(({ bytes }) => fingerprint(bytes)));
    const wrongWay = names.filter((name, i) => {
      const upright = prints[names.indexOf(`${name.split('_')[0]}_0.jpg`)];
      return meanAbsoluteDifference(prints[i], upright) >= 8;
    });
    expect(wrongWay).toEqual([]);

    const listed = await drive.items();
    expect(listed.map((item) => [item.name, item.preview_status, item.preview_ready]).sort()).toEqual(
      names.map((name) => [name, 'ready', true]).sort(),
    );
  }, 60_000);

  it('previews every valid image of the PNG suite at its own size (never enlarged), keeping transparency as WebP', async () => {
    const drive = await newDrive(t);
    const names = (await readdir(PNG_SUITE)).filter((name) => name.endsWith('.png') && !name.startsWith('x')).sort();
    expect(names.length).toBeGreaterThan(150);
    const files = await Promise.all(names.map(async (name) => ({ name, bytes: await fixture(PNG_SUITE, name) })));
    const originals = await Promise.all(files.map(({ bytes }) => sharp(bytes).metadata()));
    const items: Item[] = [];
    for (let start = 0; start < files.length; start += 100) {
      items.push(...(await uploadAll(drive, files.slice(start, start + 100))));
    }

    const outcomes = await Promise.all(
      items.map(async (item) => {
        // 160 previews made one after another by the one worker thread: a bound for a loaded machine.
        const res = await drive.waitForPreview(item.id, 120_000);
        if (res.status !== 200) return { status: res.status, code: res.body.code };
        const got = await download(res.body.url);
        const meta = await sharp(got.body).metadata();
        return { status: 200, width: res.body.width, height: res.body.height, format: meta.format };
      }),
    );
    const byName = Object.fromEntries(names.map((name, i) => [name, outcomes[i]]));
    // The suite's images are at most 32×32: each preview has exactly its image's size.
    const expected = Object.fromEntries(
      names.map((name, i) => [
        name,
        {
          status: 200,
          width: originals[i].width,
          height: originals[i].height,
          format: originals[i].hasAlpha ? 'webp' : 'jpeg',
        },
      ]),
    );
    expect(byName).toEqual(expected);
  }, 180_000);

  it('lists the image with preview_status ready and preview_ready true, and a text file with unsupported and false', async () => {
    const drive = await newDrive(t);
    const [photo, notes] = await uploadAll(drive, [
      { name: 'holiday.jpg', bytes: await jpegImage(640, 480), contentType: 'image/jpeg' },
      { name: 'notes.txt', bytes: text('Remember the milk.\n'), contentType: 'text/plain' },
    ]);
    const { preview } = await readyPreview(drive, photo.id);
    expect({ width: preview.width, height: preview.height }).toEqual({ width: 400, height: 300 });
    await noPreview(drive, notes.id);

    expect(await drive.waitForFile(photo.id)).toMatchObject({ preview_status: 'ready', preview_ready: true });
    expect(await drive.waitForFile(notes.id)).toMatchObject({ preview_status: 'unsupported', preview_ready: false });
    // GET /file shows the same.
    expect((await drive.get(photo.id)).body.file).toMatchObject({ preview_status: 'ready', preview_ready: true });
  });

  it('believes the bytes, not the name or the declared type: PNG bytes named notes.txt preview; text named photo.jpg does not', async () => {
    const drive = await newDrive(t);
    const png = await fixture(PNG_SUITE, 'basn2c08.png');
    const [disguisedPng, disguisedText] = await uploadAll(drive, [
      { name: 'notes.txt', bytes: png, contentType: 'text/plain' },
      { name: 'photo.jpg', bytes: text('This is not a photo, just words.\n'), contentType: 'image/jpeg' },
    ]);

    const { preview, meta } = await readyPreview(drive, disguisedPng.id);
    expect({ width: preview.width, height: preview.height, format: meta.format }).toEqual({
      width: 32,
      height: 32,
      format: 'jpeg',
    });
    expect(await drive.listed(disguisedPng.id)).toMatchObject({
      content_type: 'image/png',
      preview_status: 'ready',
      preview_ready: true,
    });

    await noPreview(drive, disguisedText.id);
    // Words are not an image that failed to decode: there is no preview to make, as for any text file.
    expect(await drive.listed(disguisedText.id)).toMatchObject({ preview_status: 'unsupported', preview_ready: false });
  });

  it('never rasterises SVG, whatever it is called or declared as', async () => {
    const drive = await newDrive(t);
    const [svg, svgAsPng] = await uploadAll(drive, [
      { name: 'drawing.svg', bytes: svgBytes(), contentType: 'image/svg+xml' },
      { name: 'drawing.png', bytes: svgBytes(), contentType: 'image/png' },
    ]);
    await noPreview(drive, svg.id);
    await noPreview(drive, svgAsPng.id);
    for (const item of [svg, svgAsPng]) {
      expect(await drive.listed(item.id)).toMatchObject({ preview_status: 'unsupported', preview_ready: false });
    }
  });

  it('ends corrupt PNGs failed (404), refuses a pixel flood, and goes on previewing the next image', async () => {
    const drive = await newDrive(t);
    const corrupt = ['xcsn0g01.png', 'xd0n2c08.png', 'xhdn0g08.png'];
    const flood = await pixelFloodPng();
    const items = await uploadAll(drive, [
      ...(await Promise.all(corrupt.map(async (name) => ({ name, bytes: await fixture(PNG_SUITE, name) })))),
      { name: 'flood.png', bytes: flood, contentType: 'image/png' },
    ]);
    await Promise.all(items.map((item) => noPreview(drive, item.id)));
    const listed = await drive.items();
    const statusOf = (id: string) => listed.find((item) => item.id === id)!;
    expect(corrupt.map((name, i) => [name, statusOf(items[i].id).preview_status])).toEqual(
      corrupt.map((name) => [name, 'failed']),
    );
    const floodItem = statusOf(items[3].id);
    expect(floodItem.preview_ready).toBe(false);
    expect(['failed', 'unsupported']).toContain(floodItem.preview_status);

    // The worker is still there, and still works.
    const [after] = await uploadAll(drive, [{ name: 'after.jpg', bytes: await jpegImage(200, 100) }]);
    const { preview } = await readyPreview(drive, after.id);
    expect({ width: preview.width, height: preview.height }).toEqual({ width: 200, height: 100 });
  }, 60_000);

  it('previews an animated GIF as a still image of its first frame', async () => {
    const drive = await newDrive(t);
    // Three 120×80 frames: grey 85, 170, 255.
    const [gif] = await uploadAll(drive, [{ name: 'blink.gif', bytes: await animatedGif(120, 80, 3) }]);
    const { preview, bytes, meta } = await readyPreview(drive, gif.id);
    expect({ width: preview.width, height: preview.height }).toEqual({ width: 120, height: 80 });
    // A still: one frame, in a still format (GIF decodes with an alpha channel: WebP keeps it, JPEG drops it).
    expect(['jpeg', 'webp']).toContain(meta.format);
    expect(meta.pages ?? 1).toBe(1);
    const { channels } = await sharp(bytes).stats();
    expect(Math.abs(channels[0].mean - 85)).toBeLessThan(10);
    expect(await drive.listed(gif.id)).toMatchObject({ content_type: 'image/gif', preview_status: 'ready' });
  });

  it('lists a zero-byte file (even one called .png) and answers its preview 404', async () => {
    const drive = await newDrive(t);
    const [empty] = await uploadAll(drive, [{ name: 'empty.png', bytes: Buffer.alloc(0), contentType: 'image/png' }]);
    await noPreview(drive, empty.id);
    const listed = await drive.waitForFile(empty.id);
    expect(listed).toMatchObject({ name: 'empty.png', size_in_bytes: 0, preview_ready: false });
    expect(['failed', 'unsupported']).toContain(listed.preview_status);
  });

  it('answers 202 pending with Retry-After while the bytes have not arrived, then the preview once they have', async () => {
    const drive = await newDrive(t);
    const bytes = await jpegImage(300, 200);
    const { file, upload } = await drive.startUpload('later.jpg', bytes, { content_type: 'image/jpeg' });
    const pending = await drive.preview(file.id);
    expectStatus(pending, 202);
    expect(pending.headers['content-type']).toMatch(/^application\/json\b/);
    expect(pending.body).toEqual({ status: 'pending' });
    expect(Number(pending.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    await sendBytes(upload, bytes);
    const { preview } = await readyPreview(drive, file.id);
    expect({ width: preview.width, height: preview.height }).toEqual({ width: 300, height: 200 });
  });

  it('answers 404 file_not_found for a stranger’s file and for an unknown id, 422 for a malformed id, 401 without a token', async () => {
    const owner = await newDrive(t);
    const stranger = await newDrive(t);
    const [photo] = await uploadAll(owner, [{ name: 'mine.jpg', bytes: await jpegImage(100, 100) }]);
    await readyPreview(owner, photo.id);

    expectProblem(await stranger.preview(photo.id), 404, 'file_not_found');
    expectProblem(await owner.preview(randomUUID()), 404, 'file_not_found');
    expectValidationError(await owner.preview('not-a-uuid'), 'file_id');
    const anonymous = await t.http.get(`/image-preview/${photo.id}`);
    expectProblem(anonymous, 401, 'unauthorized');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('Replace with an image of another size makes a new preview of the new size', async () => {
    const drive = await newDrive(t);
    const [first] = await uploadAll(drive, [{ name: 'cover.jpg', bytes: await jpegImage(800, 400) }]);
    const before = await readyPreview(drive, first.id);
    expect({ width: before.preview.width, height: before.preview.height }).toEqual({ width: 400, height: 200 });

    const second = await jpegImage(150, 300);
    const replace = await drive.startUpload('cover.jpg', second, { file_conflict: 'Replace' });
    expect(replace.file.id).toBe(first.id);
    await sendBytes(replace.upload, second);

    const after = await eventually(
      'the preview of the new bytes',
      async () => {
        const res = await drive.waitForPreview(first.id);
        expectStatus(res, 200);
        return res.body.width === 150 ? res : undefined;
      },
      PREVIEW_WAIT_MS,
    );
    expect({ width: after.body.width, height: after.body.height }).toEqual({ width: 150, height: 300 });
    const served = await readyPreview(drive, first.id);
    expect({ width: served.meta.width, height: served.meta.height }).toEqual({ width: 150, height: 300 });
    expect(await drive.listed(first.id)).toMatchObject({ size_in_bytes: second.length, preview_status: 'ready' });
  });

  it('Replace with something that is not an image: no preview any more; the old one stays with its version until it goes', async () => {
    const drive = await newDrive(t);
    const [photo] = await uploadAll(drive, [{ name: 'scan.jpg', bytes: await jpegImage(300, 300) }]);
    await readyPreview(drive, photo.id);
    const previewPath = join(t.config.dataDir, 'objects', 'previews', drive.account.id, photo.id);
    expect(existsSync(previewPath)).toBe(true);

    const words = text('The scan, typed out instead.\n');
    const replace = await drive.startUpload('scan.jpg', words, {
      content_type: 'text/plain',
      file_conflict: 'Replace',
    });
    await sendBytes(replace.upload, words);
    await drive.waitForFile(photo.id, (item) => item.size_in_bytes === words.length);
    await noPreview(drive, photo.id);
    expect(await drive.listed(photo.id)).toMatchObject({ preview_status: 'unsupported', preview_ready: false });
    // The picture replaced is a version now, and keeps its thumbnail; deleted, it leaves none behind.
    expect(existsSync(previewPath)).toBe(true);
    const versions = await t.http.get(`/file/${photo.id}/versions`).set(drive.auth);
    expectStatus(versions, 200);
    expect(versions.body.versions).toHaveLength(1);
    const versionId = versions.body.versions[0].version_id as string;
    expectStatus(await t.http.delete(`/file/${photo.id}/versions/${versionId}`).set(drive.auth), 204);
    expect(existsSync(previewPath)).toBe(false);
  });

  it('purging the file (DELETE /file, then DELETE /trash) deletes its preview from storage', async () => {
    const drive = await newDrive(t);
    const [photo] = await uploadAll(drive, [{ name: 'gone.jpg', bytes: await jpegImage(500, 500) }]);
    await readyPreview(drive, photo.id);
    const previewPath = join(t.config.dataDir, 'objects', 'previews', drive.account.id, photo.id);
    expect(existsSync(previewPath)).toBe(true);

    expectStatus(await drive.remove(photo.id), 204);
    expectStatus(await t.http.delete(`/trash/${photo.id}`).set(drive.auth), 204);
    expect(existsSync(previewPath)).toBe(false);
    expectProblem(await drive.preview(photo.id), 404, 'file_not_found');
  });

  it('emptying the trash deletes the previews of the files inside a deleted folder', async () => {
    const drive = await newDrive(t);
    const album = await drive.folder('album');
    const [a, b] = await uploadAll(drive, [
      { name: 'a.jpg', bytes: await jpegImage(120, 120) },
      { name: 'b.jpg', bytes: await jpegImage(130, 120) },
    ]);
    for (const item of [a, b]) expectStatus(await drive.patch(item.id, { parent_folder_id: album.id }), 200);
    await Promise.all([a, b].map((item) => readyPreview(drive, item.id)));
    const paths = [a, b].map((item) => join(t.config.dataDir, 'objects', 'previews', drive.account.id, item.id));
    expect(paths.map(existsSync)).toEqual([true, true]);

    expectStatus(await t.http.delete(`/drive/${album.id}`).set(drive.auth), 204);
    expectStatus(await t.http.delete('/trash').set(drive.auth), 204);
    expect(paths.map(existsSync)).toEqual([false, false]);
  });
});

describe('the workers’ internal endpoints around previews (embedded workers, the test calls them too)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  const secret = (): Record<string, string> => ({ 'X-Lambda-Secret': t.config.auth.lambdaSecret });
  const confirmUpload = (body: object, headers = secret()) =>
    t.http.post('/confirm-file-upload').set(headers).send(body);
  const confirmPreview = (body: object, headers = secret()) =>
    t.http.post('/confirm-file-preview').set(headers).send(body);

  /** A user with one image whose preview is ready: the listed file and the preview's answer. */
  async function readyImage(): Promise<{ drive: FileDrive; item: Item; preview: Preview; bytes: Buffer }> {
    const drive = await newDrive(t);
    const bytes = await jpegImage(320, 240);
    const [file] = await uploadAll(drive, [{ name: 'steady.jpg', bytes, contentType: 'image/jpeg' }]);
    const { preview } = await readyPreview(drive, file.id);
    return { drive, item: (await drive.listed(file.id))!, preview, bytes };
  }

  it('a repeated POST /confirm-file-upload for a confirmed file changes nothing: the preview stays ready', async () => {
    const { drive, item, preview, bytes } = await readyImage();
    const figures = await drive.figures();
    for (const contentType of ['image/jpeg', 'text/plain']) {
      const again = await confirmUpload({ file_id: item.id, size_in_bytes: bytes.length, content_type: contentType });
      expectStatus(again, 200);
      expect(again.body).toEqual({
        file_id: item.id,
        status: 'confirmed',
        size_in_bytes: bytes.length,
        content_type: 'image/jpeg',
        preview_status: 'ready',
        preview_key: `previews/${drive.account.id}/${item.id}`,
      });
    }
    expect(await drive.listed(item.id)).toEqual(item);
    expect(await drive.figures()).toEqual(figures);
    const res = await drive.preview(item.id);
    expectStatus(res, 200);
    expect({ width: res.body.width, height: res.body.height }).toEqual({
      width: preview.width,
      height: preview.height,
    });
    expect(await drive.bytesOf(item.id)).toEqual(bytes);
  });

  it('POST /confirm-file-preview for a ready preview answers preview_status ready and changes nothing', async () => {
    const { drive, item, preview } = await readyImage();
    for (const body of [
      { file_id: item.id, status: 'failed' },
      { file_id: item.id, status: 'unsupported' },
      { file_id: item.id, status: 'ready', width: 7, height: 9 },
    ]) {
      const res = await confirmPreview(body);
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ file_id: item.id, preview_status: 'ready' });
    }
    expect(await drive.listed(item.id)).toEqual(item);
    const served = await readyPreview(drive, item.id);
    expect({ width: served.preview.width, height: served.preview.height }).toEqual({
      width: preview.width,
      height: preview.height,
    });
  });

  it('POST /confirm-file-preview: ready without a size is 422, an unknown file 404, no or a wrong secret 403', async () => {
    const { drive, item } = await readyImage();
    expectValidationError(await confirmPreview({ file_id: item.id, status: 'ready', height: 10 }), 'width');
    expectProblem(await confirmPreview({ file_id: item.id, status: 'ready' }), 422, 'validation_failed');
    expectValidationError(await confirmPreview({ file_id: item.id, status: 'done' }), 'status');
    expectValidationError(await confirmPreview({ file_id: 'nope', status: 'failed' }), 'file_id');
    expectProblem(await confirmPreview({ file_id: randomUUID(), status: 'failed' }), 404, 'file_not_found');

    expectProblem(await confirmPreview({ file_id: item.id, status: 'failed' }, {}), 403, 'forbidden');
    expectProblem(
      await confirmPreview({ file_id: item.id, status: 'failed' }, { 'X-Lambda-Secret': 'wrong' }),
      403,
      'forbidden',
    );
    expectProblem(await confirmPreview({ file_id: item.id, status: 'failed' }, drive.auth), 403, 'forbidden');
    expect(await drive.listed(item.id)).toEqual(item);
  });
});
