/**
 * The S3 event notification, as AWS sends it to Lambda and as MinIO and Ceph post it to a webhook: the one
 * event shape every storage adapter feeds the workers (the local store announces its objects this way too).
 * Only the fields CloudDrive reads are required; the rest are what AWS sends.
 *
 * AWS URL-encodes `s3.object.key` the way HTML forms do (`red flower.jpg` arrives as `red+flower.jpg`, a `+`
 * as `%2B`): always read it through `decodeS3Key`.
 */
export interface S3Event {
  Records: S3EventRecord[];
}

export interface S3EventRecord {
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  /** ISO 8601, e.g. `2026-11-27T23:20:15.123Z`. */
  eventTime: string;
  /** `ObjectCreated:Put`, `ObjectCreated:Post`, `ObjectCreated:Copy`, `ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`… */
  eventName: string;
  s3: {
    s3SchemaVersion?: string;
    configurationId?: string;
    bucket: { name: string; arn?: string };
    object: {
      /** URL-encoded, `+` for spaces: see `decodeS3Key`. */
      key: string;
      /** Bytes; absent on removals. */
      size?: number;
      eTag?: string;
      sequencer?: string;
    };
  };
}

export const OBJECT_CREATED_PUT = 'ObjectCreated:Put';

/**
 * Whether the record announces a new object (any way it was made: PUT, POST, copy, multipart). MinIO names
 * its events with an `s3:` prefix (`s3:ObjectCreated:Put`); AWS and Ceph without.
 */
export function isObjectCreated(record: S3EventRecord): boolean {
  return record.eventName.replace(/^s3:/, '').startsWith('ObjectCreated:');
}

/**
 * A key encoded as AWS encodes it in event notifications: every byte outside `A-Z a-z 0-9 - _ . ~` and `/`
 * percent-encoded from UTF-8, and spaces as `+`.
 */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

/** The object key of an event record's `s3.object.key`: `+` is a space, `%XX` a UTF-8 byte. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new Error(`Not a URL-encoded S3 event key: ${JSON.stringify(key)}`);
  }
}

/** The record AWS would send for an object just written by a PUT. */
export function objectCreatedRecord(
  bucket: string,
  key: string,
  size: number,
  options: { eTag?: string; eventTime?: Date; eventName?: string } = {},
): S3EventRecord {
  const eventTime = options.eventTime ?? new Date();
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: eventTime.toISOString(),
    eventName: options.eventName ?? OBJECT_CREATED_PUT,
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeS3Key(key),
        size,
        ...(options.eTag === undefined ? {} : { eTag: options.eTag }),
        sequencer: eventTime.getTime().toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  };
}
