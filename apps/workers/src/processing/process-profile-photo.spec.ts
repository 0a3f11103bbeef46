import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import sharp from 'sharp';
import { PROFILE_PHOTO_MAX_BYTES } from '@app/contracts';
import { ObjectHead, ObjectStorage, objectKeys } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ContentSniffer } from '../media/content-sniffer';
import { ImageResizer } from '../media/image-resizer';
import {
  alphaPngImage,
  animatedGif,
  exeBytes,
  jpegImage,
  pdfBytes,
  pixelFloodPng,
  svgBytes,
  truncatedJpeg,
  zipBytes,
} from '@app/testing';
import { ProfilePhotoProcessor } from './process-profile-photo';

const USER = randomUUID();
const ORIGINAL = objectKeys.profilePhotoOriginal(USER);
const RESIZED_PREFIX = `profile_photos/resized/${USER}/`;

describe('ProfilePhotoProcessor', () => {
  /** The bucket: key → bytes and type. */
  let objects: Map<string, { body: Buffer; contentType: string }>;
  let storage: { head: jest.Mock; read: jest.Mock; write: jest.Mock; delete: jest.Mock };
  let api: { confirmProfilePicture: jest.Mock };
  let processor: ProfilePhotoProcessor;

  beforeEach(() => {
    objects = new Map();
    storage = {
      head: jest.fn(async (key: string): Promise<ObjectHead | null> => {
        const object = objects.get(key);
        return object
          ? { key, sizeBytes: object.body.length, contentType: object.contentType, lastModified: new Date() }
          : null;
      }),
      read: jest.fn(async (key: string) => objects.get(key)?.body ?? null),
      write: jest.fn(async (key: string, body: Buffer, contentType: string) => {
        objects.set(key, { body, contentType });
      }),
      delete: jest.fn(async (keys: string[]) => keys.forEach((key) => objects.delete(key))),
    };
    // The API records the verdict it is given (and answers it).
    api = { confirmProfilePicture: jest.fn(async (body: { status: string }) => ({ status: body.status })) };
    processor = new ProfilePhotoProcessor(
      storage as unknown as ObjectStorage,
      new ContentSniffer(),
      new ImageResizer(),
      api as unknown as ApiClient,
    );
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  /** Uploads `body` as the user's profile photo, declared as a JPEG whatever it is (names and types lie). */
  const upload = (body: Buffer) => objects.set(ORIGINAL, { body, contentType: 'image/jpeg' });
  const resized = () => [...objects.keys()].filter((key) => key.startsWith('profile_photos/resized/'));

  it('makes a JPEG a 400×400 photo, tells the API it is ready, then deletes the original', async () => {
    upload(await jpegImage(1000, 600));

    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');

    const key = objectKeys.profilePhotoResized(USER, 'jpg');
    expect(key).toBe(`${RESIZED_PREFIX}photo.jpg`);
    expect(resized()).toEqual([key]);
    const photo = objects.get(key)!;
    expect(photo.contentType).toBe('image/jpeg');
    const metadata = await sharp(photo.body).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 400, height: 400 });
    expect(metadata.exif).toBeUndefined();

    expect(api.confirmProfilePicture).toHaveBeenCalledTimes(1);
    expect(api.confirmProfilePicture).toHaveBeenCalledWith({ user_id: USER, status: 'ready', extension: 'jpg' });
    expect(storage.delete).toHaveBeenCalledWith([ORIGINAL]);
    expect(objects.has(ORIGINAL)).toBe(false);
    // Written, then told, then the original deleted: a failure at any step leaves the original for the retry.
    const [written] = storage.write.mock.invocationCallOrder;
    const [told] = api.confirmProfilePicture.mock.invocationCallOrder;
    const [deleted] = storage.delete.mock.invocationCallOrder;
    expect(written).toBeLessThan(told);
    expect(told).toBeLessThan(deleted);
  });

  it('makes a PNG with transparency a WebP photo', async () => {
    upload(await alphaPngImage(500, 300));

    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');

    const key = `${RESIZED_PREFIX}photo.webp`;
    expect(resized()).toEqual([key]);
    expect(objects.get(key)!.contentType).toBe('image/webp');
    expect(await sharp(objects.get(key)!.body).metadata()).toMatchObject({
      format: 'webp',
      width: 400,
      height: 400,
      hasAlpha: true,
    });
    expect(api.confirmProfilePicture).toHaveBeenCalledWith({ user_id: USER, status: 'ready', extension: 'webp' });
    expect(objects.has(ORIGINAL)).toBe(false);
  });

  it('makes a GIF (its first frame) a photo', async () => {
    upload(await animatedGif(300, 200, 3));
    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');
    expect(resized()).toHaveLength(1);
    expect(await sharp(objects.get(resized()[0])!.body).metadata()).toMatchObject({ width: 400, height: 400 });
  });

  it('accepts a photo of exactly 5 MiB', async () => {
    upload(await jpegImage(600, 600));
    storage.head.mockResolvedValueOnce({
      key: ORIGINAL,
      sizeBytes: PROFILE_PHOTO_MAX_BYTES,
      contentType: 'image/jpeg',
      lastModified: new Date(),
    });
    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');
  });

  it.each([
    ['an .exe named .jpg (MZ header)', () => exeBytes()],
    ['a zip', () => zipBytes()],
    ['a PDF', () => pdfBytes()],
    ['an SVG', () => svgBytes()],
    ['plain text', () => Buffer.from('this is not a photo\n')],
    ['a zero-byte file', () => Buffer.alloc(0)],
    ['a JPEG cut inside its header', truncatedJpeg],
    ['a pixel flood (a PNG that claims 50000×50000)', () => pixelFloodPng(50_000, 50_000)],
  ])('rejects %s: deletes it, writes nothing, tells the API', async (_, bytes) => {
    upload(await bytes());

    await expect(processor.process(ORIGINAL)).resolves.toBe('rejected');

    expect(storage.write).not.toHaveBeenCalled();
    expect(resized()).toEqual([]);
    expect(api.confirmProfilePicture).toHaveBeenCalledTimes(1);
    expect(api.confirmProfilePicture).toHaveBeenCalledWith({ user_id: USER, status: 'rejected' });
    expect(storage.delete).toHaveBeenCalledWith([ORIGINAL]);
    expect(objects.has(ORIGINAL)).toBe(false);
    expect(api.confirmProfilePicture.mock.invocationCallOrder[0]).toBeLessThan(
      storage.delete.mock.invocationCallOrder[0],
    );
  });

  it('rejects a photo over 5 MiB without reading it', async () => {
    upload(Buffer.alloc(PROFILE_PHOTO_MAX_BYTES + 1));

    await expect(processor.process(ORIGINAL)).resolves.toBe('rejected');

    expect(storage.read).not.toHaveBeenCalled();
    expect(storage.write).not.toHaveBeenCalled();
    expect(api.confirmProfilePicture).toHaveBeenCalledWith({ user_id: USER, status: 'rejected' });
    expect(objects.has(ORIGINAL)).toBe(false);
  });

  it('answers gone, telling nobody, when the original is no longer there', async () => {
    await expect(processor.process(ORIGINAL)).resolves.toBe('gone');
    expect(storage.read).not.toHaveBeenCalled();
    expect(storage.write).not.toHaveBeenCalled();
    expect(storage.delete).not.toHaveBeenCalled();
    expect(api.confirmProfilePicture).not.toHaveBeenCalled();
  });

  it('answers gone when the original goes between its head and its read', async () => {
    upload(await jpegImage(100, 100));
    storage.read.mockResolvedValueOnce(null);
    await expect(processor.process(ORIGINAL)).resolves.toBe('gone');
    expect(storage.write).not.toHaveBeenCalled();
    expect(api.confirmProfilePicture).not.toHaveBeenCalled();
  });

  it('is idempotent: the same event twice makes one photo and one confirmation', async () => {
    upload(await jpegImage(800, 800));
    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');
    await expect(processor.process(ORIGINAL)).resolves.toBe('gone');
    expect(storage.write).toHaveBeenCalledTimes(1);
    expect(api.confirmProfilePicture).toHaveBeenCalledTimes(1);
  });

  it('retries a transient storage read error', async () => {
    upload(await jpegImage(500, 500));
    storage.read.mockRejectedValueOnce(new Error('ECONNRESET'));
    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');
    expect(storage.read).toHaveBeenCalledTimes(2);
    expect(api.confirmProfilePicture).toHaveBeenCalledTimes(1);
  });

  it('keeps the original when the API cannot be told, so that the retried event finds it', async () => {
    upload(await jpegImage(500, 500));
    const failure = new ApiCallError(503, 'service_unavailable', '503');
    api.confirmProfilePicture.mockRejectedValueOnce(failure);

    await expect(processor.process(ORIGINAL)).rejects.toBe(failure);
    expect(objects.has(ORIGINAL)).toBe(true);
    expect(storage.delete).not.toHaveBeenCalled();

    await expect(processor.process(ORIGINAL)).resolves.toBe('ready');
    expect(objects.has(ORIGINAL)).toBe(false);
    expect(resized()).toEqual([`${RESIZED_PREFIX}photo.jpg`]);
  });

  it.each([
    ['a file', objectKeys.file(USER, randomUUID())],
    ['a resized photo', objectKeys.profilePhotoResized(USER, 'jpg')],
    ['another object under the user’s originals', `profile_photos/original/${USER}/photo.jpg`],
    ['a key that names no user', 'profile_photos/original/someone/photo'],
    ['an upper-case user id', objectKeys.profilePhotoOriginal(USER.toUpperCase())],
  ])('ignores %s, touching nothing', async (_, key) => {
    objects.set(key, { body: await jpegImage(100, 100), contentType: 'image/jpeg' });
    await expect(processor.process(key)).resolves.toBe('ignored');
    expect(storage.head).not.toHaveBeenCalled();
    expect(storage.read).not.toHaveBeenCalled();
    expect(storage.delete).not.toHaveBeenCalled();
    expect(api.confirmProfilePicture).not.toHaveBeenCalled();
  });

  it('answers what the API says when it no longer awaits the photo (deleted meanwhile): discarded', async () => {
    objects.set(ORIGINAL, { body: await jpegImage(500, 500), contentType: 'image/jpeg' });
    api.confirmProfilePicture.mockResolvedValueOnce({ status: 'discarded' });
    await expect(processor.process(ORIGINAL)).resolves.toBe('discarded');
    // The original goes either way; the API deletes the square it did not take.
    expect(objects.has(ORIGINAL)).toBe(false);
  });
});
