import { Logger } from '@nestjs/common';
import { encodeS3Key, objectCreatedRecord, S3EventRecord } from '@app/contracts';
import { EventDispatcher } from './event-dispatcher';
import { UploadProcessor } from './process-upload';

const created = (key: string): S3EventRecord => objectCreatedRecord('bucket', key, 10);
const removed = (key: string): S3EventRecord => ({ ...created(key), eventName: 'ObjectRemoved:Delete' });
/** A record whose key is not URL-encoded the way S3 encodes keys. */
const undecodable = (): S3EventRecord => {
  const record = created('x');
  return { ...record, s3: { ...record.s3, object: { ...record.s3.object, key: 'files/bad%zz' } } };
};

describe('EventDispatcher', () => {
  let uploads: { process: jest.Mock };
  let dispatcher: EventDispatcher;
  let errors: jest.SpyInstance;

  beforeEach(() => {
    uploads = { process: jest.fn().mockResolvedValue('confirmed') };
    dispatcher = new EventDispatcher(uploads as unknown as UploadProcessor);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('hands each created object to the processor, in order, with its key decoded, and answers the outcomes', async () => {
    uploads.process.mockResolvedValueOnce('confirmed').mockResolvedValueOnce('ignored');
    const outcomes = await dispatcher.dispatch([created('files/a b+c/ü (1)'), created('previews/o/f')]);
    expect(uploads.process.mock.calls).toEqual([['files/a b+c/ü (1)'], ['previews/o/f']]);
    expect(outcomes).toEqual([
      { key: 'files/a b+c/ü (1)', outcome: 'confirmed' },
      { key: 'previews/o/f', outcome: 'ignored' },
    ]);
  });

  it('decodes keys as AWS encodes them: + is a space, %2B a plus', async () => {
    const record = created('x');
    record.s3.object.key = 'files/red+flower%2B1.jpg';
    await dispatcher.dispatch([record]);
    expect(uploads.process).toHaveBeenCalledWith('files/red flower+1.jpg');
    expect(encodeS3Key('files/red flower+1.jpg')).toBe('files/red+flower%2B1.jpg');
  });

  it('handles every kind of creation (PUT, POST, copy, multipart), and skips removals', async () => {
    const kinds = [
      'ObjectCreated:Put',
      'ObjectCreated:Post',
      'ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
    ];
    const records = kinds.map((eventName, i) => ({ ...created(`k${i}`), eventName }));
    const outcomes = await dispatcher.dispatch([removed('gone'), ...records]);
    expect(uploads.process.mock.calls).toEqual([['k0'], ['k1'], ['k2'], ['k3']]);
    expect(outcomes).toHaveLength(4);
  });

  it('answers nothing for an event with no records', async () => {
    await expect(dispatcher.dispatch([])).resolves.toEqual([]);
    expect(uploads.process).not.toHaveBeenCalled();
  });

  it('processes every record even when one fails, then throws the first failure so that the event is retried', async () => {
    const first = new Error('first failure');
    uploads.process
      .mockRejectedValueOnce(first)
      .mockResolvedValueOnce('confirmed')
      .mockRejectedValueOnce(new Error('second failure'))
      .mockResolvedValueOnce('rejected');
    await expect(dispatcher.dispatch(['a', 'b', 'c', 'd'].map(created))).rejects.toBe(first);
    expect(uploads.process.mock.calls).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0][0]).toContain('a: first failure');
  });

  it('fails a record whose key cannot be decoded on its own: the others are still processed', async () => {
    const error = await dispatcher
      .dispatch([created('before'), undecodable(), created('after')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Not a URL-encoded S3 event key/);
    expect(uploads.process.mock.calls).toEqual([['before'], ['after']]);
    expect(errors).toHaveBeenCalledTimes(1);
  });
});
