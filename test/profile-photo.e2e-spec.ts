/**
 * Profile photos, end to end: POST /profile-photo hands out a presigned PUT, the real embedded workers check
 * the bytes with the real sharp and store a 400×400 square, GET /profile-photo serves it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Response as TestResponse } from 'supertest';
import sharp, { type Metadata } from 'sharp';
import {
  alphaPngImage,
  animatedGif,
  exeBytes,
  fingerprint,
  FIXTURES_DIR,
  jpegImage,
  meanAbsoluteDifference,
  pdfBytes,
  pixelFloodPng,
  svgBytes,
  zipBytes,
} from '@app/testing';
import {
  download,
  eventually,
  expectProblem,
  expectStatus,
  expectValidationError,
  ISO_UTC,
  ProfilePhoto,
  put,
  sendBytes,
  Upload,
} from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

const FIVE_MIB = 5 * 1024 * 1024;
const EDGE = 400;

/** A new user, without a profile photo. */
async function newUser(t: TestApp): Promise<ProfilePhoto> {
  return new ProfilePhoto(t.http, await registerAndLogin(t.http));
}

/** The photo in use, which must be there: GET's answer, and the image its URL serves. */
async function photoInUse(
  res: TestResponse,
  status: 'ready' | 'rejected' = 'ready',
): Promise<{ bytes: Buffer; meta: Metadata }> {
  expectStatus(res, 200);
  expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'status', 'url']);
  expect(res.body.status).toBe(status);
  expect(res.body.expires_at).toMatch(ISO_UTC);
  const got = await download(res.body.url);
  expect(got.status).toBe(200);
  const meta = await sharp(got.body).metadata();
  // Exactly 400×400, and stripped of every metadata (the orientation is applied, not carried).
  expect({ width: meta.width, height: meta.height }).toEqual({ width: EDGE, height: EDGE });
  expect({ exif: meta.exif, icc: meta.icc, xmp: meta.xmp, iptc: meta.iptc, orientation: meta.orientation }).toEqual({
    exif: undefined,
    icc: undefined,
    xmp: undefined,
    iptc: undefined,
    orientation: undefined,
  });
  return { bytes: got.body, meta };
}

/**
 * 404 no_profile_photo; `why` is what became of the latest upload, which the problem reports as `photo_status`
 * (its `status` is the HTTP status, as in every problem document), or undefined when no upload is why.
 */
function expectNoProfilePhoto(res: TestResponse, why?: 'processing' | 'rejected'): void {
  expectProblem(res, 404, 'no_profile_photo');
  expect(res.body.photo_status).toBe(why);
}

describe('profile photos: POST, GET and DELETE /profile-photo, checked by the embedded workers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'true' });
  });
  afterAll(() => t.close());

  const objectPath = (...key: string[]): string => join(t.config.dataDir, 'objects', ...key);
  const originalPath = (user: ProfilePhoto): string =>
    objectPath('profile_photos', 'original', user.account.id, 'photo');
  const resizedPath = (user: ProfilePhoto, extension: string): string =>
    objectPath('profile_photos', 'resized', user.account.id, `photo.${extension}`);
  /** The worker deletes the upload once the API has its verdict (so a moment after GET shows it). */
  const originalDeleted = (user: ProfilePhoto): Promise<true> =>
    eventually('the uploaded original deleted', async () => (existsSync(originalPath(user)) ? undefined : true));

  it('has none before any upload: 404 no_profile_photo, without a photo_status', async () => {
    const user = await newUser(t);
    expectNoProfilePhoto(await user.get());
  });

  it('turns a JPEG with EXIF orientation 6 into the 400×400 upright JPEG in use, and deletes the original', async () => {
    const user = await newUser(t);
    const [rotated, upright] = await Promise.all([
      readFile(join(FIXTURES_DIR, 'exif-orientation', 'Landscape_6.jpg')),
      readFile(join(FIXTURES_DIR, 'exif-orientation', 'Landscape_0.jpg')),
    ]);
    await user.upload(rotated, 'image/jpeg');
    const { bytes, meta } = await photoInUse(await user.waitUntilSettled());
    expect(meta.format).toBe('jpeg');

    // The same picture as the upright original cropped to its middle square; turned the wrong way it is far off.
    const expected = await fingerprint(await sharp(upright).resize(EDGE, EDGE, { fit: 'cover' }).toBuffer());
    expect(meanAbsoluteDifference(await fingerprint(bytes), expected)).toBeLessThan(8);

    expect(existsSync(resizedPath(user, 'jpg'))).toBe(true);
    await originalDeleted(user);
  });

  it('takes a PNG with transparency as WebP (deleting the old photo.jpg), then refuses an .exe declared image/jpeg and keeps the photo', async () => {
    const user = await newUser(t);
    await user.upload(await jpegImage(500, 300), 'image/jpeg');
    expect((await photoInUse(await user.waitUntilSettled())).meta.format).toBe('jpeg');
    expect(existsSync(resizedPath(user, 'jpg'))).toBe(true);

    await user.upload(await alphaPngImage(600, 300), 'image/png');
    const webp = await photoInUse(await user.waitUntilSettled());
    expect(webp.meta).toMatchObject({ format: 'webp', hasAlpha: true });
    // The photo in use changed format: the old object does not linger.
    expect(existsSync(resizedPath(user, 'webp'))).toBe(true);
    expect(existsSync(resizedPath(user, 'jpg'))).toBe(false);

    // An executable renamed .jpg: rejected, deleted, and the WebP stays in use.
    await user.upload(exeBytes(), 'image/jpeg');
    const after = await photoInUse(await user.waitUntilSettled(), 'rejected');
    expect(after.bytes).toEqual(webp.bytes);
    await originalDeleted(user);
  });

  it.each<[string, () => Buffer | Promise<Buffer>, string]>([
    ['an .exe declared image/jpeg', exeBytes, 'image/jpeg'],
    ['a PDF', pdfBytes, 'application/pdf'],
    ['a zip declared image/png', zipBytes, 'image/png'],
    ['an SVG', svgBytes, 'image/svg+xml'],
    ['a pixel flood (a PNG claiming 50000×50000)', pixelFloodPng, 'image/png'],
    ['a corrupt PNG (xcsn0g01)', () => readFile(join(FIXTURES_DIR, 'pngsuite', 'xcsn0g01.png')), 'image/png'],
  ])(
    'rejects %s: a user with no other photo gets 404 no_profile_photo with photo_status rejected, and nothing is kept',
    async (_, bytes, contentType) => {
      const user = await newUser(t);
      await user.upload(await bytes(), contentType);
      expectNoProfilePhoto(await user.waitUntilSettled(), 'rejected');
      await originalDeleted(user);
      expect(existsSync(resizedPath(user, 'jpg')) || existsSync(resizedPath(user, 'webp'))).toBe(false);
    },
  );

  it.each<[string, () => Promise<Buffer>, string]>([
    ['a GIF (its first frame)', () => animatedGif(300, 200, 3), 'jpeg or webp'],
    [
      'a WebP',
      () =>
        sharp(Buffer.alloc(300 * 500 * 3, 90), { raw: { width: 300, height: 500, channels: 3 } })
          .webp()
          .toBuffer(),
      'jpeg',
    ],
    [
      'an opaque PNG that declares no type',
      () => jpegImage(120, 90).then((jpeg) => sharp(jpeg).png().toBuffer()),
      'jpeg',
    ],
  ])('takes %s, even a small one, as the 400×400 photo in use (%s)', async (_, bytes, formats) => {
    const user = await newUser(t);
    await user.upload(await bytes());
    const { meta } = await photoInUse(await user.waitUntilSettled());
    expect(formats.split(' or ')).toContain(meta.format);
  });

  it('takes the size as the query parameter photo_size_in_bytes, as the original API did', async () => {
    const user = await newUser(t);
    const bytes = await jpegImage(400, 400);
    const res = await user.requestUpload({}, { photo_size_in_bytes: bytes.length });
    expectStatus(res, 200);
    expect(Object.keys(res.body)).toEqual(['upload']);
    const upload: Upload = res.body.upload;
    expect(upload).toMatchObject({ method: 'PUT', expires_at: expect.stringMatching(ISO_UTC) });
    expect(upload.headers).toEqual({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.length),
    });
    await sendBytes(upload, bytes);
    await photoInUse(await user.waitUntilSettled());
  });

  it('refuses a missing size with 422, and over 5 MiB with 413 file_too_large; 5 MiB exactly is fine', async () => {
    const user = await newUser(t);
    expectValidationError(await user.requestUpload({}), 'photo_size_in_bytes');
    expectValidationError(await user.requestUpload({ content_type: 'image/png' }), 'photo_size_in_bytes');
    expectValidationError(await user.requestUpload({ photo_size_in_bytes: 0 }), 'photo_size_in_bytes');
    expectValidationError(await user.requestUpload({ photo_size_in_bytes: 'big' }), 'photo_size_in_bytes');
    expectProblem(await user.requestUpload({ photo_size_in_bytes: FIVE_MIB + 1 }), 413, 'file_too_large');
    expectProblem(await user.requestUpload({}, { photo_size_in_bytes: FIVE_MIB + 1 }), 413, 'file_too_large');
    const fine = await user.requestUpload({ photo_size_in_bytes: FIVE_MIB });
    expectStatus(fine, 200);
    expect(fine.body.upload.headers['Content-Length']).toBe(String(FIVE_MIB));
  });

  it('storage refuses bytes of another size than the URL signs; the photo in use does not change', async () => {
    const user = await newUser(t);
    await user.upload(await jpegImage(300, 300), 'image/jpeg');
    const before = await photoInUse(await user.waitUntilSettled());
    await originalDeleted(user);

    const bytes = await jpegImage(200, 200);
    const res = await user.requestUpload({ photo_size_in_bytes: bytes.length + 10, content_type: 'image/jpeg' });
    expectStatus(res, 200);
    const upload: Upload = res.body.upload;
    const refused = await put(upload, bytes, { 'Content-Type': 'image/jpeg' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'upload_size_mismatch' });
    expect(existsSync(originalPath(user))).toBe(false);

    // The photo in use is still the first one (the refused upload is still awaited: processing).
    const now = await user.get();
    expectStatus(now, 200);
    expect(now.body.status).toBe('processing');
    expect((await download(now.body.url)).body).toEqual(before.bytes);
  });

  it('DELETE /profile-photo answers 204 and removes it (GET is then 404 without a photo_status); again is 204', async () => {
    const user = await newUser(t);
    await user.upload(await jpegImage(300, 300), 'image/jpeg');
    const { url } = (await user.waitUntilSettled()).body;
    await photoInUse(await user.get());

    expectStatus(await user.remove(), 204);
    expectNoProfilePhoto(await user.get());
    expect(existsSync(resizedPath(user, 'jpg'))).toBe(false);
    // Even a URL handed out before no longer serves it.
    expect((await download(url)).status).toBe(404);
    expectStatus(await user.remove(), 204);
  });

  it('answers 401 without a token on every route', async () => {
    for (const res of [
      await t.http.get('/profile-photo'),
      await t.http.post('/profile-photo').send({ photo_size_in_bytes: 10 }),
      await t.http.delete('/profile-photo'),
    ]) {
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    }
  });
});

describe('the internal endpoint POST /confirm-profile-picture (the test is the worker)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const secret = (): Record<string, string> => ({ 'X-Lambda-Secret': t.config.auth.lambdaSecret });
  const confirm = (body: object, headers = secret()) => t.http.post('/confirm-profile-picture').set(headers).send(body);

  it('answers an unknown user 404 user_not_found', async () => {
    expectProblem(await confirm({ user_id: randomUUID(), status: 'rejected' }), 404, 'user_not_found');
    expectProblem(await confirm({ user_id: randomUUID(), status: 'ready', extension: 'jpg' }), 404, 'user_not_found');
  });

  it('validates its body: ready needs an extension, which is jpg or webp; the status is ready or rejected', async () => {
    const user = await newUser(t);
    const id = user.account.id;
    expectValidationError(await confirm({ user_id: id, status: 'ready' }), 'extension');
    expectValidationError(await confirm({ user_id: id, status: 'ready', extension: 'png' }), 'extension');
    expectValidationError(await confirm({ user_id: id, status: 'ready', extension: '../x' }), 'extension');
    expectValidationError(await confirm({ user_id: id, status: 'done' }), 'status');
    expectValidationError(await confirm({ user_id: 'nope', status: 'rejected' }), 'user_id');
    expectNoProfilePhoto(await user.get());
  });

  it('is forbidden without the secret, with a wrong one, or with a user’s token', async () => {
    const user = await newUser(t);
    const body = { user_id: user.account.id, status: 'rejected' };
    expectProblem(await confirm(body, {}), 403, 'forbidden');
    expectProblem(await confirm(body, { 'X-Lambda-Secret': 'wrong' }), 403, 'forbidden');
    expectProblem(await confirm(body, user.auth), 403, 'forbidden');
    // Nothing was recorded: no upload was rejected.
    expectNoProfilePhoto(await user.get());
  });

  it('a verdict that arrives after the user deleted the photo and its upload does not bring a photo back', async () => {
    const user = await newUser(t);
    // The bytes are in storage; the worker has read them and is resizing when the user changes their mind.
    await user.upload(await jpegImage(300, 300), 'image/jpeg');
    expectNoProfilePhoto(await user.get(), 'processing');
    expectStatus(await user.remove(), 204);
    expectNoProfilePhoto(await user.get());

    // The worker wrote the photo before it told the API: the verdict is discarded, and that object deleted.
    const written = join(t.config.dataDir, 'objects', 'profile_photos', 'resized', user.account.id, 'photo.jpg');
    await mkdir(dirname(written), { recursive: true });
    await writeFile(written, await jpegImage(400, 400));
    const late = await confirm({ user_id: user.account.id, status: 'ready', extension: 'jpg' });
    expectStatus(late, 200);
    expect(late.body).toEqual({ user_id: user.account.id, status: 'discarded' });
    expectNoProfilePhoto(await user.get());
    expect(existsSync(written)).toBe(false);
  });

  it('discards a verdict for a user who awaits none', async () => {
    const user = await newUser(t);
    for (const body of [
      { user_id: user.account.id, status: 'ready', extension: 'webp' },
      { user_id: user.account.id, status: 'rejected' },
    ]) {
      const res = await confirm(body);
      expectStatus(res, 200);
      expect(res.body).toEqual({ user_id: user.account.id, status: 'discarded' });
    }
    expectNoProfilePhoto(await user.get());
  });

  it('records a rejection, and answers a repeat as the first', async () => {
    const user = await newUser(t);
    expectStatus(await user.requestUpload({ photo_size_in_bytes: 10 }), 200);
    const body = { user_id: user.account.id, status: 'rejected' };
    const first = await confirm(body);
    expectStatus(first, 200);
    expect(first.body).toEqual({ user_id: user.account.id, status: 'rejected' });
    expect((await confirm(body)).body).toEqual(first.body);
    expectNoProfilePhoto(await user.get(), 'rejected');
  });
});
