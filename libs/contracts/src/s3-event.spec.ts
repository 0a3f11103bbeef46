import { decodeS3Key, encodeS3Key, isObjectCreated, objectCreatedRecord } from './s3-event';

describe('S3 event records', () => {
  it('encode keys as AWS does: + for a space, %2B for a +, UTF-8 percent-encoded, slashes kept', () => {
    expect(encodeS3Key('files/red flower.jpg')).toBe('files/red+flower.jpg');
    expect(encodeS3Key('a+b/ü (1)*!.png')).toBe('a%2Bb/%C3%BC+%281%29%2A%21.png');
  });

  it.each(['files/red flower.jpg', 'a+b/c d+e', 'ünïcødé/你好 🎉', "it's (1).txt", '100%/x'])(
    'decode what they encode: %j',
    (key) => {
      expect(decodeS3Key(encodeS3Key(key))).toBe(key);
    },
  );

  it('decode the keys AWS sends', () => {
    expect(decodeS3Key('uploads/red+flower.jpg')).toBe('uploads/red flower.jpg');
    expect(decodeS3Key('a%2Bb')).toBe('a+b');
    expect(() => decodeS3Key('bad%zz')).toThrow(/Not a URL-encoded S3 event key/);
  });

  it('build an ObjectCreated:Put record like the one AWS sends', () => {
    const record = objectCreatedRecord('bucket', 'files/a b', 42, {
      eTag: 'abc',
      eventTime: new Date('2026-11-27T23:20:15.123Z'),
    });
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-27T23:20:15.123Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: 'bucket', arn: 'arn:aws:s3:::bucket' },
        object: { key: 'files/a+b', size: 42, eTag: 'abc', sequencer: expect.stringMatching(/^[0-9A-F]{16}$/) },
      },
    });
    expect(isObjectCreated(record)).toBe(true);
    expect(isObjectCreated({ ...record, eventName: 'ObjectRemoved:Delete' })).toBe(false);
    // MinIO's names carry an s3: prefix.
    expect(isObjectCreated({ ...record, eventName: 's3:ObjectCreated:Put' })).toBe(true);
    expect(isObjectCreated({ ...record, eventName: 's3:ObjectRemoved:Delete' })).toBe(false);
    expect(objectCreatedRecord('b', 'k', 0).s3.object).not.toHaveProperty('eTag');
  });
});
