import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { encodeS3Key, objectCreatedRecord, S3EventRecord } from '@app/contracts';
import { objectKeys } from '@app/storage';
import { EventDispatcher, HANDLED_PREFIXES } from './event-dispatcher';
import { ProfilePhotoProcessor } from './process-profile-photo';
import { UploadProcessor } from './process-upload';

const created = (key: string): S3EventRecord => objectCreatedRecord('bucket', key, 10);
const removed = (key: string): S3EventRecord => ({ ...created(key), eventName: 'ObjectRemoved:Delete' });
/** A record whose key is not URL-encoded the way S3 encodes keys. */
const undecodable = (): S3EventRecord => {
  const record = created('x');
  return { ...record, s3: { ...record.s3, object: { ...record.s3.object, key: 'files/bad%zz' } } };
};
const USER = randomUUID();
const PHOTO = objectKeys.profilePhotoOriginal(USER);
const fileKey = () => objectKeys.file(USER, randomUUID());

describe('EventDispatcher', () => {
  let uploads: { process: jest.Mock };
  let profilePhotos: { process: jest.Mock };
  let dispatcher: EventDispatcher;
  let logs: jest.SpyInstance;
  let errors: jest.SpyInstance;

  beforeEach(() => {
    uploads = { process: jest.fn().mockResolvedValue({ upload: 'confirmed' }) };
    profilePhotos = { process: jest.fn().mockResolvedValue('ready') };
    dispatcher = new EventDispatcher(
      uploads as unknown as UploadProcessor,
      profilePhotos as unknown as ProfilePhotoProcessor,
    );
    logs = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('hands each created object to the processor, in order, with its key decoded, and answers the outcomes', async () => {
    uploads.process.mockResolvedValueOnce({ upload: 'confirmed' }).mockResolvedValueOnce({ upload: 'ignored' });
    const outcomes = await dispatcher.dispatch([created('files/a b+c/ü (1)'), created('files/o/f')]);
    expect(uploads.process.mock.calls).toEqual([['files/a b+c/ü (1)'], ['files/o/f']]);
    expect(outcomes).toEqual([
      { key: 'files/a b+c/ü (1)', outcome: 'confirmed' },
      { key: 'files/o/f', outcome: 'ignored' },
    ]);
    expect(profilePhotos.process).not.toHaveBeenCalled();
  });

  it('answers what became of the preview with the upload, and logs what it did', async () => {
    const key = fileKey();
    uploads.process.mockResolvedValue({ upload: 'confirmed', preview: 'ready' });
    await expect(dispatcher.dispatch([created(key)])).resolves.toEqual([{ key, outcome: 'confirmed, preview ready' }]);
    expect(logs).toHaveBeenCalledWith(`${key}: confirmed, preview ready`);
  });

  it('hands profile photo uploads to the profile photo processor, and files to the upload processor', async () => {
    const file = fileKey();
    profilePhotos.process.mockResolvedValueOnce('rejected');
    const outcomes = await dispatcher.dispatch([created(PHOTO), created(file)]);
    expect(profilePhotos.process.mock.calls).toEqual([[PHOTO]]);
    expect(uploads.process.mock.calls).toEqual([[file]]);
    expect(outcomes).toEqual([
      { key: PHOTO, outcome: 'rejected' },
      { key: file, outcome: 'confirmed' },
    ]);
  });

  it.each([
    ['a preview', objectKeys.previewOf(objectKeys.file(USER, randomUUID()))],
    ['a resized profile photo', objectKeys.profilePhotoResized(USER, 'jpg')],
    ['a key at the top of the bucket', 'photo.jpg'],
    ['a key that only looks like a prefix', 'files'],
  ])('ignores %s without handing it to anyone or logging it', async (_, key) => {
    await expect(dispatcher.dispatch([created(key)])).resolves.toEqual([{ key, outcome: 'ignored' }]);
    expect(uploads.process).not.toHaveBeenCalled();
    expect(profilePhotos.process).not.toHaveBeenCalled();
    expect(logs).not.toHaveBeenCalled();
  });

  it('handles both prefixes by default', () => {
    expect([...HANDLED_PREFIXES].sort()).toEqual(['files/', 'profile_photos/original/']);
  });

  it('given only the files prefix (one Lambda function’s), ignores profile photos', async () => {
    const file = fileKey();
    const outcomes = await dispatcher.dispatch([created(PHOTO), created(file)], [objectKeys.filesPrefix]);
    expect(profilePhotos.process).not.toHaveBeenCalled();
    expect(uploads.process.mock.calls).toEqual([[file]]);
    expect(outcomes).toEqual([
      { key: PHOTO, outcome: 'ignored' },
      { key: file, outcome: 'confirmed' },
    ]);
  });

  it('given only the profile photo prefix, ignores files', async () => {
    const file = fileKey();
    const outcomes = await dispatcher.dispatch(
      [created(file), created(PHOTO)],
      [objectKeys.profilePhotoOriginalPrefix],
    );
    expect(uploads.process).not.toHaveBeenCalled();
    expect(profilePhotos.process.mock.calls).toEqual([[PHOTO]]);
    expect(outcomes).toEqual([
      { key: file, outcome: 'ignored' },
      { key: PHOTO, outcome: 'ready' },
    ]);
  });

  it('decodes keys as AWS encodes them: + is a space, %2B a plus', async () => {
    const record = created('x');
    record.s3.object.key = 'files/red+flower%2B1.jpg';
    await dispatcher.dispatch([record]);
    expect(uploads.process).toHaveBeenCalledWith('files/red flower+1.jpg');
    expect(encodeS3Key('files/red flower+1.jpg')).toBe('files/red+flower%2B1.jpg');
  });

  it('handles every kind of upload (PUT, POST, multipart), and skips removals and the API’s own copies', async () => {
    const kinds = [
      'ObjectCreated:Put',
      'ObjectCreated:Post',
      'ObjectCreated:Copy',
      's3:ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
    ];
    const records = kinds.map((eventName, i) => ({ ...created(`files/k${i}`), eventName }));
    const outcomes = await dispatcher.dispatch([removed('files/gone'), removed(PHOTO), ...records]);
    expect(uploads.process.mock.calls).toEqual([['files/k0'], ['files/k1'], ['files/k4']]);
    expect(profilePhotos.process).not.toHaveBeenCalled();
    expect(outcomes).toHaveLength(3);
  });

  it('answers nothing for an event with no records', async () => {
    await expect(dispatcher.dispatch([])).resolves.toEqual([]);
    expect(uploads.process).not.toHaveBeenCalled();
  });

  it('processes every record even when one fails, then throws the first failure so that the event is retried', async () => {
    const first = new Error('first failure');
    uploads.process
      .mockRejectedValueOnce(first)
      .mockResolvedValueOnce({ upload: 'confirmed' })
      .mockResolvedValueOnce({ upload: 'rejected' });
    profilePhotos.process.mockRejectedValueOnce(new Error('second failure'));
    const keys = ['files/a', 'files/b', PHOTO, 'files/d'];
    await expect(dispatcher.dispatch(keys.map(created))).rejects.toBe(first);
    expect(uploads.process.mock.calls).toEqual([['files/a'], ['files/b'], ['files/d']]);
    expect(profilePhotos.process.mock.calls).toEqual([[PHOTO]]);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0][0]).toContain('files/a: first failure');
    expect(errors.mock.calls[1][0]).toContain(`${PHOTO}: second failure`);
  });

  it('fails a record whose key cannot be decoded on its own: the others are still processed', async () => {
    const error = await dispatcher
      .dispatch([created('files/before'), undecodable(), created('files/after')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Not a URL-encoded S3 event key/);
    expect(uploads.process.mock.calls).toEqual([['files/before'], ['files/after']]);
    expect(errors).toHaveBeenCalledTimes(1);
  });
});
