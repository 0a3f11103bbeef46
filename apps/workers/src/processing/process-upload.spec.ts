import { randomUUID } from 'node:crypto';
import { ObjectHead, ObjectStorage, objectKeys } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ContentSniffer, SNIFF_BYTES } from '../media/content-sniffer';
import { UploadProcessor } from './process-upload';

const OWNER = randomUUID();
const FILE = randomUUID();
const KEY = objectKeys.file(OWNER, FILE);

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
  let processor: UploadProcessor;

  beforeEach(() => {
    storage = { head: jest.fn(), read: jest.fn() };
    sniffer = { sniff: jest.fn() };
    api = { confirmFileUpload: jest.fn().mockResolvedValue({ status: 'confirmed' }) };
    processor = new UploadProcessor(
      storage as unknown as ObjectStorage,
      sniffer as unknown as ContentSniffer,
      api as unknown as ApiClient,
    );
  });

  it('sniffs the first bytes and asks the API to confirm with the size it sees and the type the bytes say', async () => {
    const first = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1');
    storage.head.mockResolvedValue(headOf(67, 'application/octet-stream'));
    storage.read.mockResolvedValue(first);
    sniffer.sniff.mockResolvedValue({ mime: 'image/png', extension: 'png' });

    await expect(processor.process(KEY)).resolves.toBe('confirmed');

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
    await expect(processor.process(KEY)).resolves.toBe('confirmed');
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
    api.confirmFileUpload.mockResolvedValue({ status: 'rejected' });
    await expect(processor.process(KEY)).resolves.toBe('rejected');
  });

  it('answers gone, and calls nobody, when the object is no longer there', async () => {
    storage.head.mockResolvedValue(null);
    await expect(processor.process(KEY)).resolves.toBe('gone');
    expect(storage.read).not.toHaveBeenCalled();
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
  });

  it.each([
    ['a preview', objectKeys.preview(OWNER, FILE)],
    ['a profile photo', objectKeys.profilePhotoOriginal(OWNER)],
    ['a key under files/ that names no file', `files/${OWNER}/not-a-uuid`],
    ['a key with more after the file id', `${KEY}/extra`],
    ['an upper-case id', objectKeys.file(OWNER, FILE.toUpperCase())],
  ])('ignores %s, touching nothing', async (_, key) => {
    await expect(processor.process(key)).resolves.toBe('ignored');
    expect(storage.head).not.toHaveBeenCalled();
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
  });

  it('lets a failure of the API through, for the event to be retried', async () => {
    storage.head.mockResolvedValue(headOf(3, 'text/plain'));
    storage.read.mockResolvedValue(Buffer.from('abc'));
    sniffer.sniff.mockResolvedValue(undefined);
    const failure = new ApiCallError(503, 'service_unavailable', '503');
    api.confirmFileUpload.mockRejectedValue(failure);
    await expect(processor.process(KEY)).rejects.toBe(failure);
  });

  it('lets a failure of storage through', async () => {
    storage.head.mockRejectedValue(new Error('storage is down'));
    await expect(processor.process(KEY)).rejects.toThrow('storage is down');
    expect(api.confirmFileUpload).not.toHaveBeenCalled();
  });
});
