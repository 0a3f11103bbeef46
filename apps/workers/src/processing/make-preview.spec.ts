import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import sharp from 'sharp';
import { FileKey, ObjectStorage, objectKeys } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ImageResizer, MAX_PREVIEW_SOURCE_BYTES } from '../media/image-resizer';
import {
  alphaPngImage,
  encodeClip,
  jpegImage,
  pdfDocument,
  pixelFloodPng,
  svgBytes,
  truncatedJpeg,
} from '@app/testing';
import { PdfRenderer } from '../media/pdf-renderer';
import { VideoPoster } from '../media/video-poster';
import { PreviewMaker } from './make-preview';
import { OUTAGE_BACKOFF } from './retry';

const OWNER = randomUUID();
const FILE = randomUUID();
const TARGET: FileKey = { ownerId: OWNER, fileId: FILE, uploadId: undefined };
const SOURCE = objectKeys.file(OWNER, FILE);
const PREVIEW = objectKeys.previewOf(SOURCE);

describe('PreviewMaker', () => {
  const pdfs = new PdfRenderer();
  afterAll(() => pdfs.onModuleDestroy());
  let storage: { read: jest.Mock; stream: jest.Mock; write: jest.Mock; delete: jest.Mock; head: jest.Mock };
  let api: { confirmFilePreview: jest.Mock };
  let maker: PreviewMaker;
  let warnings: jest.SpyInstance;

  beforeEach(() => {
    storage = {
      read: jest.fn(),
      stream: jest.fn(),
      write: jest.fn().mockResolvedValue(undefined),
      delete: jest.fn().mockResolvedValue(undefined),
      head: jest.fn(),
    };
    // The API answers with the file's current object (by default, the one the preview was made from), and that it
    // keeps the preview.
    api = {
      confirmFilePreview: jest.fn(async (body: { status: string; object_key: string }) => ({
        preview_status: body.status,
        object_key: body.object_key,
        content_type: 'image/jpeg',
        preview_kept: body.status === 'ready',
      })),
    };
    maker = new PreviewMaker(
      storage as unknown as ObjectStorage,
      new ImageResizer(),
      pdfs,
      new VideoPoster(),
      api as unknown as ApiClient,
    );
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  /** Makes the preview of `bytes`, stored as the file's object. */
  const make = (bytes: Buffer) => {
    storage.read.mockResolvedValue(bytes);
    return maker.make(TARGET, SOURCE, bytes.length, 'image/jpeg', PREVIEW);
  };

  it('writes the preview at the key it is given (its bytes’ own), then tells the API it is ready, with its size', async () => {
    await expect(make(await jpegImage(1600, 1200))).resolves.toBe('ready');

    expect(storage.read).toHaveBeenCalledWith(SOURCE);
    expect(storage.write).toHaveBeenCalledTimes(1);
    const [key, body, contentType] = storage.write.mock.calls[0] as [string, Buffer, string];
    expect(key).toBe(PREVIEW);
    expect(contentType).toBe('image/jpeg');
    expect(await sharp(body).metadata()).toMatchObject({ format: 'jpeg', width: 400, height: 300 });
    expect(api.confirmFilePreview).toHaveBeenCalledTimes(1);
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'ready',
      width: 400,
      height: 300,
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
    expect(storage.write.mock.invocationCallOrder[0]).toBeLessThan(api.confirmFilePreview.mock.invocationCallOrder[0]);
    expect(storage.delete).not.toHaveBeenCalled();
  });

  it('makes a replacement’s preview from its own object, at its own preview key', async () => {
    const upload = randomUUID();
    const replacement = objectKeys.file(OWNER, FILE, upload);
    const key = objectKeys.previewOf(replacement);
    storage.read.mockResolvedValue(await jpegImage(300, 200));

    await expect(maker.make({ ...TARGET, uploadId: upload }, replacement, 1234, 'image/jpeg', key)).resolves.toBe(
      'ready',
    );

    expect(key).not.toBe(PREVIEW);
    expect(storage.read).toHaveBeenCalledWith(replacement);
    expect(storage.write).toHaveBeenCalledWith(key, expect.any(Buffer), 'image/jpeg');
    expect(api.confirmFilePreview).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'ready', width: 300, height: 200, object_key: replacement, preview_key: key }),
    );
  });

  it('stores a transparent image as WebP', async () => {
    await expect(make(await alphaPngImage(200, 100))).resolves.toBe('ready');
    const [key, body, contentType] = storage.write.mock.calls[0] as [string, Buffer, string];
    expect(key).toBe(PREVIEW);
    expect(contentType).toBe('image/webp');
    expect(await sharp(body).metadata()).toMatchObject({ format: 'webp', hasAlpha: true, width: 200, height: 100 });
  });

  it.each([
    ['cut inside its header', truncatedJpeg],
    ['cut in the middle of its scan', async () => (await jpegImage(600, 400)).subarray(0, 3000)],
  ])('confirms failed, and writes nothing, for a JPEG %s', async (_, bytes) => {
    await expect(make(await bytes())).resolves.toBe('failed');
    expect(api.confirmFilePreview).toHaveBeenCalledTimes(1);
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'failed',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
    expect(storage.write).not.toHaveBeenCalled();
  });

  it('confirms unsupported for bytes no allowed image decoder recognises (here an SVG), and writes nothing', async () => {
    await expect(make(svgBytes())).resolves.toBe('unsupported');
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'unsupported',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
    expect(storage.write).not.toHaveBeenCalled();
  });

  it('confirms unsupported for a pixel flood, and writes nothing', async () => {
    await expect(make(await pixelFloodPng())).resolves.toBe('unsupported');
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'unsupported',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
    expect(storage.write).not.toHaveBeenCalled();
  });

  it('does not read a source bigger than the cap: unsupported', async () => {
    await expect(maker.make(TARGET, SOURCE, MAX_PREVIEW_SOURCE_BYTES + 1, 'image/jpeg', PREVIEW)).resolves.toBe(
      'unsupported',
    );
    expect(storage.read).not.toHaveBeenCalled();
    expect(storage.write).not.toHaveBeenCalled();
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'unsupported',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
  });

  it('reads a source of exactly the cap', async () => {
    storage.read.mockResolvedValue(await jpegImage(20, 20));
    await expect(maker.make(TARGET, SOURCE, MAX_PREVIEW_SOURCE_BYTES, 'image/jpeg', PREVIEW)).resolves.toBe('ready');
    expect(storage.read).toHaveBeenCalledTimes(1);
  });

  it('retries a transient storage read error, then succeeds', async () => {
    const jpeg = await jpegImage(500, 500);
    storage.read.mockRejectedValueOnce(new Error('ECONNRESET')).mockResolvedValueOnce(jpeg);

    await expect(maker.make(TARGET, SOURCE, jpeg.length, 'image/jpeg', PREVIEW)).resolves.toBe('ready');

    expect(storage.read).toHaveBeenCalledTimes(2);
    expect(storage.write).toHaveBeenCalledTimes(1);
    expect(api.confirmFilePreview).toHaveBeenCalledTimes(1);
    expect(api.confirmFilePreview).toHaveBeenCalledWith(expect.objectContaining({ status: 'ready' }));
  });

  it('ends failed when storage stays unreadable, after retrying', async () => {
    storage.read.mockRejectedValue(new Error('storage is down'));

    await expect(maker.make(TARGET, SOURCE, 1000, 'image/jpeg', PREVIEW)).resolves.toBe('failed');

    expect(storage.read.mock.calls.length).toBeGreaterThan(1);
    expect(storage.write).not.toHaveBeenCalled();
    expect(api.confirmFilePreview).toHaveBeenCalledTimes(1);
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'failed',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
    expect(warnings).toHaveBeenCalledWith(expect.stringContaining('storage is down'));
  });

  it('fails the event, leaving the preview pending, when the store stays unreachable: nothing is called failed', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    // The outage schedule's waits are not waited here: every setTimeout runs at once.
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void) => {
      callback();
      return 0 as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    storage.read.mockRejectedValue(refused);

    await expect(maker.make(TARGET, SOURCE, 1000, 'image/jpeg', PREVIEW)).rejects.toBe(refused);

    expect(storage.read).toHaveBeenCalledTimes(OUTAGE_BACKOFF.attempts);
    expect(api.confirmFilePreview).not.toHaveBeenCalled();
  });

  it('retries a transient error writing the preview', async () => {
    storage.write.mockRejectedValueOnce(new Error('503 SlowDown')).mockResolvedValue(undefined);
    await expect(make(await jpegImage(100, 100))).resolves.toBe('ready');
    expect(storage.write).toHaveBeenCalledTimes(2);
    expect(api.confirmFilePreview).toHaveBeenCalledWith(expect.objectContaining({ status: 'ready' }));
  });

  it('ends failed when the preview cannot be written', async () => {
    storage.write.mockRejectedValue(new Error('storage is down'));
    await expect(make(await jpegImage(100, 100))).resolves.toBe('failed');
    expect(api.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'failed',
      object_key: SOURCE,
      preview_key: PREVIEW,
    });
  });

  it('answers gone, telling nobody, when the object is no longer there', async () => {
    storage.read.mockResolvedValue(null);
    await expect(maker.make(TARGET, SOURCE, 1000, 'image/jpeg', PREVIEW)).resolves.toBe('gone');
    expect(storage.write).not.toHaveBeenCalled();
    expect(api.confirmFilePreview).not.toHaveBeenCalled();
  });

  it('deletes the preview it wrote when the API says the file is gone (purged meanwhile)', async () => {
    api.confirmFilePreview.mockRejectedValue(new ApiCallError(404, 'file_not_found', '404 file_not_found'));

    await expect(make(await jpegImage(800, 600))).resolves.toBe('gone');

    expect(storage.write).toHaveBeenCalledWith(PREVIEW, expect.any(Buffer), 'image/jpeg');
    expect(storage.delete).toHaveBeenCalledWith([PREVIEW]);
    expect(storage.write.mock.invocationCallOrder[0]).toBeLessThan(storage.delete.mock.invocationCallOrder[0]);
  });

  it('has nothing to delete when the file is gone and no preview was written', async () => {
    api.confirmFilePreview.mockRejectedValue(new ApiCallError(404, 'file_not_found', '404 file_not_found'));
    await expect(make(await truncatedJpeg())).resolves.toBe('gone');
    expect(storage.delete).not.toHaveBeenCalled();
  });

  it('lets any other API failure through (the event is retried), keeping the preview for the retry', async () => {
    const failure = new ApiCallError(503, 'service_unavailable', '503');
    api.confirmFilePreview.mockRejectedValue(failure);
    await expect(make(await jpegImage(100, 100))).rejects.toBe(failure);
    expect(storage.delete).not.toHaveBeenCalled();
  });

  it('lets a 404 with another code through: only file_not_found means the file is gone', async () => {
    const failure = new ApiCallError(404, 'not_found', '404 not_found');
    api.confirmFilePreview.mockRejectedValue(failure);
    await expect(make(await jpegImage(100, 100))).rejects.toBe(failure);
    expect(storage.delete).not.toHaveBeenCalled();
  });

  describe('when the bytes were replaced or deleted while their preview was being made', () => {
    it('leaves the preview where it is when the API kept it (on the version that holds the bytes now)', async () => {
      api.confirmFilePreview.mockResolvedValueOnce({
        preview_status: 'pending',
        object_key: objectKeys.file(OWNER, FILE, randomUUID()),
        content_type: 'image/jpeg',
        preview_kept: true,
      });
      await expect(make(await jpegImage(200, 200))).resolves.toBe('ready');
      expect(storage.write).toHaveBeenCalledTimes(1);
      expect(api.confirmFilePreview).toHaveBeenCalledTimes(1);
      expect(storage.delete).not.toHaveBeenCalled();
    });

    it('deletes what it wrote when no row names it any more, and answers gone', async () => {
      api.confirmFilePreview.mockResolvedValueOnce({
        preview_status: 'failed',
        object_key: SOURCE,
        content_type: 'image/jpeg',
        preview_kept: false,
      });
      await expect(make(await jpegImage(200, 200))).resolves.toBe('gone');
      expect(storage.delete).toHaveBeenCalledWith([PREVIEW]);
      expect(storage.write.mock.invocationCallOrder[0]).toBeLessThan(storage.delete.mock.invocationCallOrder[0]);
    });

    it('has nothing to delete for a preview that failed (it wrote nothing)', async () => {
      api.confirmFilePreview.mockResolvedValueOnce({
        preview_status: 'pending',
        object_key: SOURCE,
        content_type: 'image/jpeg',
        preview_kept: false,
      });
      await expect(make(await truncatedJpeg())).resolves.toBe('failed');
      expect(storage.delete).not.toHaveBeenCalled();
    });
  });

  describe('PDFs and videos', () => {
    it('renders a PDF’s first page (read whole, like an image) and confirms it with its size only', async () => {
      const pdf = await pdfDocument({ pages: 2 });
      storage.read.mockResolvedValue(pdf);

      await expect(maker.make(TARGET, SOURCE, pdf.length, 'application/pdf', PREVIEW)).resolves.toBe('ready');

      const [key, body, contentType] = storage.write.mock.calls[0] as [string, Buffer, string];
      expect([key, contentType]).toEqual([PREVIEW, 'image/jpeg']);
      expect(await sharp(body).metadata()).toMatchObject({ format: 'jpeg', width: 309, height: 400 });
      expect(api.confirmFilePreview).toHaveBeenCalledWith({
        file_id: FILE,
        status: 'ready',
        width: 309,
        height: 400,
        object_key: SOURCE,
        preview_key: PREVIEW,
      });
    });

    it('makes a video’s poster from ranges of its object, whatever its size, and confirms its duration and frame size', async () => {
      const clip = await encodeClip({ seconds: 3, width: 640, height: 480 });
      storage.head.mockResolvedValue({ key: SOURCE, sizeBytes: clip.length });
      storage.stream.mockImplementation(async (_key: string, _pin: unknown, range?: { start: number; end: number }) =>
        Readable.from([range ? clip.subarray(range.start, range.end + 1) : clip]),
      );

      await expect(maker.make(TARGET, SOURCE, clip.length, 'video/mp4', PREVIEW)).resolves.toBe('ready');

      // Read by ranges only, never whole.
      expect(storage.read).not.toHaveBeenCalled();
      expect(storage.stream.mock.calls.length).toBeGreaterThan(0);
      expect(storage.stream.mock.calls.every(([key, , range]) => key === SOURCE && range !== undefined)).toBe(true);
      const body = api.confirmFilePreview.mock.calls[0][0] as Record<string, unknown>;
      expect({ ...body, duration_ms: Math.round((body.duration_ms as number) / 1000) }).toEqual({
        file_id: FILE,
        status: 'ready',
        width: 400,
        height: 300,
        duration_ms: 3,
        media_width: 640,
        media_height: 480,
        object_key: SOURCE,
        preview_key: PREVIEW,
      });
    });

    it('answers gone for a video whose object went, without asking ffmpeg', async () => {
      storage.head.mockResolvedValue(null);
      await expect(maker.make(TARGET, SOURCE, 1000, 'video/webm', PREVIEW)).resolves.toBe('gone');
      expect(storage.read).not.toHaveBeenCalled();
      expect(storage.stream).not.toHaveBeenCalled();
      expect(api.confirmFilePreview).not.toHaveBeenCalled();
    });

    it('calls a type it does not preview unsupported, reading nothing', async () => {
      await expect(maker.make(TARGET, SOURCE, 1000, 'text/plain', PREVIEW)).resolves.toBe('unsupported');
      expect(storage.read).not.toHaveBeenCalled();
      expect(api.confirmFilePreview).toHaveBeenCalledWith({
        file_id: FILE,
        status: 'unsupported',
        object_key: SOURCE,
        preview_key: PREVIEW,
      });
    });
  });
});
