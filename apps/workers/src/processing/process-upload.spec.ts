import { randomUUID } from 'node:crypto';
import { ObjectHead, ObjectStorage, objectKeys } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ContentSniffer, SNIFF_BYTES } from '../media/content-sniffer';
import { ImageResizer } from '../media/image-resizer';
import { jpegImage } from '@app/testing';
import { PdfRenderer } from '../media/pdf-renderer';
import { VideoPoster } from '../media/video-poster';
import { PreviewMaker } from './make-preview';
import { UploadProcessor } from './process-upload';
import { BRIEF_BACKOFF } from './retry';

const OWNER = randomUUID();
const FILE = randomUUID();
const KEY = objectKeys.file(OWNER, FILE);
/** Where the API says the preview of KEY's bytes goes. */
const PREVIEW = objectKeys.previewOf(KEY);

const headOf = (sizeBytes: number, contentType: string | undefined = 'application/octet-stream'): ObjectHead => ({
  key: KEY,
  sizeBytes,
  contentType,
  lastModified: new Date('2026-11-27T23:20:15.000Z'),
});

describe('UploadProcessor', () => {
  let storage: { head: jest.Mock; read: jest.Mock };
  let sniffer: { sniff: jest.Mock };
  let api: { confirmFileUpload: jest.Mock };
  let previews: { make: jest.Mock };
  let processor: UploadProcessor;

  beforeEach(() => {
    storage = { head: jest.fn(), read: jest.fn() };
    sniffer = { sniff: jest.fn() };
    api = { confirmFileUpload: jest.fn().mockResolvedValue({ status: 'confirmed', preview_status: 'none' }) };
    previews = { make: jest.fn().mockResolvedValue('ready') };
    processor = new UploadProcessor(
      storage as unknown as ObjectStorage,
      sniffer as unknown as ContentSniffer,
      api as unknown as ApiClient,
      previews as unknown as PreviewMaker,
    );
  });

  it('sniffs the first bytes and asks the API to confirm with the size it sees and the type the bytes say', async () => {
    const first = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1');
    storage.head.mockResolvedValue(headOf(67, 'application/octet-stream'));
    storage.read.mockResolvedValue(first);
    sniffer.sniff.mockResolvedValue({ mime: 'image/png', extension: 'png' });

    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed' });

    expect(storage.head).toHaveBeenCalledWith(KEY);
    expect(storage.read).toHaveBeenCalledWith(KEY, { start: 0, end: 66 });
    expect(sniffer.sniff).toHaveBeenCalledWith(first);
    expect(api.confirmFileUpload).toHaveBeenCalledTimes(1);
    expect(api.confirmFileUpload).toHaveBeenCalledWith({
      file_id: FILE,
      size_in_bytes: 67,
      content_type: 'image/png',
      object_key: KEY,
    });
  });

  it('reads no more than the sniffer needs of a large object', async () => {
    storage.head.mockResolvedValue(headOf(5 * 1024 ** 3));
    storage.read.mockResolvedValue(Buffer.alloc(SNIFF_BYTES));
    sniffer.sniff.mockResolvedValue({ mime: 'video/mp4', extension: 'mp4' });
    await processor.process(KEY);
    expect(storage.read).toHaveBeenCalledWith(KEY, { start: 0, end: SNIFF_BYTES - 1 });
    expect(api.confirmFileUpload).toHaveBeenCalledWith(expect.objectContaining({ size_in_bytes: 5 * 1024 ** 3 }));
  });

  it('keeps the type the object was uploaded with when the bytes have no signature', async () => {
    storage.head.mockResolvedValue(headOf(11, 'text/plain'));
    storage.read.mockResolvedValue(Buffer.from('hello world'));
    sniffer.sniff.mockResolvedValue(undefined);
    await processor.process(KEY);
    expect(api.confirmFileUpload).toHaveBeenCalledWith(expect.objectContaining({ content_type: 'text/plain' }));
  });

  it('falls back to application/octet-stream when neither the bytes nor the object say a type', async () => {
    storage.head.mockResolvedValue(headOf(3, undefined));
    storage.read.mockResolvedValue(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    await processor.process(KEY);
    expect(api.confirmFileUpload).toHaveBeenCalledWith(
      expect.objectContaining({ content_type: 'application/octet-stream' }),
    );
  });

  it('confirms an empty object without reading or sniffing it', async () => {
    storage.head.mockResolvedValue(headOf(0, 'text/plain'));
    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed' });
    expect(storage.read).not.toHaveBeenCalled();
    expect(sniffer.sniff).not.toHaveBeenCalled();
    expect(api.confirmFileUpload).toHaveBeenCalledWith({
      file_id: FILE,
      size_in_bytes: 0,
      content_type: 'text/plain',
      object_key: KEY,
    });
  });

  it('confirms a replacement’s upload for the file it replaces, naming its own object', async () => {
    const key = objectKeys.file(OWNER, FILE, randomUUID());
    storage.head.mockResolvedValue({ ...headOf(5, 'text/plain'), key });
    storage.read.mockResolvedValue(Buffer.from('hello'));
    sniffer.sniff.mockResolvedValue(undefined);
    await processor.process(key);
    expect(api.confirmFileUpload).toHaveBeenCalledWith(expect.objectContaining({ file_id: FILE, object_key: key }));
  });

  it('answers what the API decided: a size that differs is rejected', async () => {
    storage.head.mockResolvedValue(headOf(3, 'text/plain'));
    storage.read.mockResolvedValue(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    api.confirmFileUpload.mockResolvedValue({ status: 'rejected', preview_status: 'none' });
    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'rejected' });
  });

  it('answers gone when the file is gone (the API deleted the object, which nobody owns); other refusals throw', async () => {
    storage.head.mockResolvedValue(headOf(3, 'text/plain'));
    storage.read.mockResolvedValue(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    api.confirmFileUpload.mockRejectedValueOnce(new ApiCallError(404, 'file_not_found', 'There is no such file.'));
    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'gone' });
    expect(previews.make).not.toHaveBeenCalled();
    api.confirmFileUpload.mockRejectedValueOnce(new ApiCallError(409, 'upload_not_pending', 'Not pending.'));
    await expect(processor.process(KEY)).rejects.toThrow('Not pending.');
  });

  it('answers gone, and calls nobody, when the object is no longer there', async () => {
    storage.head.mockResolvedValue(null);
    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'gone' });
    expect(storage.read).not.toHaveBeenCalled();
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
    expect(previews.make).not.toHaveBeenCalled();
  });

  it.each([
    ['a preview', PREVIEW],
    ['a profile photo', objectKeys.profilePhotoOriginal(OWNER)],
    ['a key under files/ that names no file', `files/${OWNER}/not-a-uuid`],
    ['a key with more after the file id', `${KEY}/extra`],
    ['an upper-case id', objectKeys.file(OWNER, FILE.toUpperCase())],
  ])('ignores %s, touching nothing', async (_, key) => {
    await expect(processor.process(key)).resolves.toEqual({ upload: 'ignored' });
    expect(storage.head).not.toHaveBeenCalled();
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
    expect(previews.make).not.toHaveBeenCalled();
  });

  it('lets a failure of the API through, for the event to be retried', async () => {
    storage.head.mockResolvedValue(headOf(3, 'text/plain'));
    storage.read.mockResolvedValue(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    const failure = new ApiCallError(503, 'service_unavailable', '503');
    api.confirmFileUpload.mockRejectedValue(failure);
    await expect(processor.process(KEY)).rejects.toBe(failure);
  });

  it('lets a failure of storage through, after a few tries', async () => {
    storage.head.mockRejectedValue(new Error('storage is down'));
    await expect(processor.process(KEY)).rejects.toThrow('storage is down');
    expect(storage.head).toHaveBeenCalledTimes(BRIEF_BACKOFF.attempts);
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
  });

  it('waits out a store that cannot be reached, then confirms', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    storage.head.mockRejectedValueOnce(refused).mockResolvedValueOnce(headOf(3, 'text/plain'));
    storage.read.mockRejectedValueOnce(refused).mockResolvedValueOnce(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed' });
    expect(storage.head).toHaveBeenCalledTimes(2);
    expect(storage.read).toHaveBeenCalledTimes(2);
    expect(api.confirmFileUpload).toHaveBeenCalledWith(expect.objectContaining({ size_in_bytes: 3 }));
  });

  describe('previews', () => {
    const SIZE = 48_213;

    beforeEach(() => {
      storage.head.mockResolvedValue(headOf(SIZE, 'image/jpeg'));
      storage.read.mockResolvedValue(Buffer.from([0xff, 0xd8, 0xff]));
      sniffer.sniff.mockResolvedValue({ mime: 'image/jpeg', extension: 'jpg' });
    });

    it('makes the preview when the API confirms the file and wants its preview, and answers both outcomes', async () => {
      api.confirmFileUpload.mockResolvedValue({
        status: 'confirmed',
        preview_status: 'pending',
        content_type: 'image/jpeg',
        preview_key: PREVIEW,
      });
      previews.make.mockResolvedValue('ready');

      await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed', preview: 'ready' });

      expect(previews.make).toHaveBeenCalledTimes(1);
      expect(previews.make).toHaveBeenCalledWith(
        { ownerId: OWNER, fileId: FILE, uploadId: undefined },
        KEY,
        SIZE,
        'image/jpeg',
        PREVIEW,
      );
      expect(api.confirmFileUpload.mock.invocationCallOrder[0]).toBeLessThan(previews.make.mock.invocationCallOrder[0]);
    });

    it('makes a replacement’s preview from the replacement’s object', async () => {
      const upload = randomUUID();
      const key = objectKeys.file(OWNER, FILE, upload);
      storage.head.mockResolvedValue({ ...headOf(SIZE, 'image/jpeg'), key });
      api.confirmFileUpload.mockResolvedValue({
        status: 'confirmed',
        preview_status: 'pending',
        content_type: 'image/jpeg',
        preview_key: objectKeys.previewOf(key),
      });

      await processor.process(key);

      expect(previews.make).toHaveBeenCalledWith(
        { ownerId: OWNER, fileId: FILE, uploadId: upload },
        key,
        SIZE,
        'image/jpeg',
        objectKeys.previewOf(key),
      );
    });

    it.each(['failed', 'unsupported', 'gone'])('answers what became of the preview: %s', async (preview) => {
      api.confirmFileUpload.mockResolvedValue({
        status: 'confirmed',
        preview_status: 'pending',
        content_type: 'image/jpeg',
        preview_key: PREVIEW,
      });
      previews.make.mockResolvedValue(preview);
      await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed', preview });
    });

    it.each(['none', 'ready', 'failed', 'unsupported'])(
      'makes no preview when the API answers preview_status %s',
      async (previewStatus) => {
        api.confirmFileUpload.mockResolvedValue({ status: 'confirmed', preview_status: previewStatus });
        await expect(processor.process(KEY)).resolves.toEqual({ upload: 'confirmed' });
        expect(previews.make).not.toHaveBeenCalled();
      },
    );

    it.each(['none', 'pending'])('makes no preview of a rejected upload (preview_status %s)', async (previewStatus) => {
      api.confirmFileUpload.mockResolvedValue({ status: 'rejected', preview_status: previewStatus });
      await expect(processor.process(KEY)).resolves.toEqual({ upload: 'rejected' });
      expect(previews.make).not.toHaveBeenCalled();
    });

    it('is idempotent: the same event twice makes one preview (the API answers ready the second time)', async () => {
      api.confirmFileUpload
        .mockResolvedValueOnce({ status: 'confirmed', preview_status: 'pending', preview_key: PREVIEW })
        .mockResolvedValueOnce({ status: 'confirmed', preview_status: 'ready' });

      const first = await processor.process(KEY);
      const second = await processor.process(KEY);

      expect(first).toEqual({ upload: 'confirmed', preview: 'ready' });
      expect(second).toEqual({ upload: 'confirmed' });
      expect(api.confirmFileUpload).toHaveBeenCalledTimes(2);
      expect(previews.make).toHaveBeenCalledTimes(1);
    });

    it('lets a failure to make the preview through, for the event to be retried', async () => {
      api.confirmFileUpload.mockResolvedValue({
        status: 'confirmed',
        preview_status: 'pending',
        content_type: 'image/jpeg',
        preview_key: PREVIEW,
      });
      const failure = new ApiCallError(503, 'service_unavailable', '503');
      previews.make.mockRejectedValue(failure);
      await expect(processor.process(KEY)).rejects.toBe(failure);
    });
  });

  it('the same event twice, through the real sniffer and resizer: one preview written, one preview confirmed', async () => {
    const jpeg = await jpegImage(640, 480);
    const objects = new Map<string, Buffer>([[KEY, jpeg]]);
    const store = {
      head: jest.fn(async (key: string) => (objects.has(key) ? headOf(objects.get(key)!.length, 'image/jpeg') : null)),
      read: jest.fn(async (key: string, range?: { start: number; end: number }) => {
        const bytes = objects.get(key);
        return bytes && range ? bytes.subarray(range.start, range.end + 1) : (bytes ?? null);
      }),
      write: jest.fn(async (key: string, body: Buffer) => void objects.set(key, body)),
      delete: jest.fn(),
    };
    // The API as it behaves: the preview is pending until it is confirmed, then ready.
    let previewStatus = 'pending';
    const callbacks = {
      confirmFileUpload: jest.fn(async () => ({
        status: 'confirmed',
        preview_status: previewStatus,
        content_type: 'image/jpeg',
        preview_key: PREVIEW,
      })),
      confirmFilePreview: jest.fn(async (body: { status: string; object_key: string }) => {
        previewStatus = body.status;
        return {
          preview_status: body.status,
          object_key: body.object_key,
          content_type: 'image/jpeg',
          preview_kept: true,
        };
      }),
    };
    const real = new UploadProcessor(
      store as unknown as ObjectStorage,
      new ContentSniffer(),
      callbacks as unknown as ApiClient,
      new PreviewMaker(
        store as unknown as ObjectStorage,
        new ImageResizer(),
        new PdfRenderer(),
        new VideoPoster(),
        callbacks as unknown as ApiClient,
      ),
    );

    await expect(real.process(KEY)).resolves.toEqual({ upload: 'confirmed', preview: 'ready' });
    await expect(real.process(KEY)).resolves.toEqual({ upload: 'confirmed' });

    expect(callbacks.confirmFileUpload).toHaveBeenCalledTimes(2);
    expect(callbacks.confirmFileUpload).toHaveBeenCalledWith(expect.objectContaining({ content_type: 'image/jpeg' }));
    expect(store.write).toHaveBeenCalledTimes(1);
    expect(store.write).toHaveBeenCalledWith(PREVIEW, expect.any(Buffer), 'image/jpeg');
    expect(callbacks.confirmFilePreview).toHaveBeenCalledTimes(1);
    expect(callbacks.confirmFilePreview).toHaveBeenCalledWith({
      file_id: FILE,
      status: 'ready',
      width: 400,
      height: 300,
      object_key: KEY,
      preview_key: PREVIEW,
    });
  });
});
