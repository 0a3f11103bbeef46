import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '@app/config';
import { contentDisposition } from '../content-disposition';
import {
  ByteRange,
  DownloadTarget,
  ObjectHead,
  ObjectPin,
  ObjectPage,
  ObjectStorage,
  PresignedRequest,
  UploadTarget,
} from '../object-storage';
import { assertDownloadTarget, assertRange, assertUploadTarget, uploadHeaders } from '../targets';

/** S3's most keys in one DeleteObjects or ListObjectsV2 call. */
const S3_BATCH = 1000;

/**
 * The storage port on any S3 API: AWS, MinIO, Ceph, R2. Uploads and downloads are presigned (SigV4 in the
 * query string), so the bytes go straight between the client and the bucket.
 */
export class S3ObjectStorage extends ObjectStorage {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {
    super();
  }

  static fromConfig(config: S3Config): S3ObjectStorage {
    return new S3ObjectStorage(new S3Client(s3ClientConfig(config)), config.bucket);
  }

  async presignUpload(target: UploadTarget): Promise<PresignedRequest> {
    assertUploadTarget(target);
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: target.key,
      ContentLength: target.sizeBytes,
      ContentType: target.contentType,
      // A conditional write (S3 and MinIO honour it): refused with 412 once any object is at the key.
      IfNoneMatch: target.overwrite ? undefined : '*',
    });
    // The presigner signs only `host` unless told: without these, any size and type would be accepted, and a client
    // could drop If-None-Match to write the key again.
    const signed = ['content-type', 'content-length', ...(target.overwrite ? [] : ['if-none-match'])];
    const url = await getSignedUrl(this.client, command, {
      expiresIn: target.expiresInSeconds,
      signableHeaders: new Set(signed),
    });
    return { method: 'PUT', url, headers: uploadHeaders(target), expiresAt: expiryOf(url) };
  }

  async presignDownload(target: DownloadTarget): Promise<PresignedRequest> {
    assertDownloadTarget(target);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: target.key,
      ResponseContentDisposition: contentDisposition(target.fileName),
      ResponseContentType: target.contentType,
      ResponseCacheControl: target.cacheControl,
      // A version pins the bytes in a versioned bucket; elsewhere the key's single write does (If-None-Match).
      VersionId: target.versionId,
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: target.expiresInSeconds,
      signingDate: target.signedAt,
    });
    return { method: 'GET', url, headers: {}, expiresAt: expiryOf(url) };
  }

  async head(key: string): Promise<ObjectHead | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        sizeBytes: out.ContentLength ?? 0,
        contentType: out.ContentType,
        lastModified: out.LastModified,
        etag: out.ETag?.replace(/^"|"$/g, ''),
        versionId: out.VersionId,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Buffer | null> {
    if (range) assertRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return null;
      // A range that starts past the end: no bytes, as the local store answers.
      if (error instanceof S3ServiceException && error.name === 'InvalidRange') return Buffer.alloc(0);
      throw error;
    }
  }

  async stream(key: string, pin?: ObjectPin, range?: ByteRange): Promise<Readable | null> {
    if (range) assertRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: pin?.versionId,
          IfMatch: pin?.etag === undefined ? undefined : `"${pin.etag}"`,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return null;
      // A range that starts past the end: no bytes, as read() answers.
      if (error instanceof S3ServiceException && error.name === 'InvalidRange') return Readable.from([]);
      // Other bytes than those pinned: as good as gone, for a reader of those.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return null;
      throw error;
    }
  }

  async write(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ContentLength: body.length,
      }),
    );
  }

  async copy(fromKey: string, toKey: string, pin?: ObjectPin): Promise<ObjectHead | null> {
    // CopySource is `bucket/key`, URL-encoded (slashes kept), with the version in its query.
    const source = `${this.bucket}/${fromKey}`.split('/').map(encodeURIComponent).join('/');
    try {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: pin?.versionId ? `${source}?versionId=${encodeURIComponent(pin.versionId)}` : source,
          CopySourceIfMatch: pin?.etag === undefined ? undefined : `"${pin.etag}"`,
          MetadataDirective: 'COPY',
        }),
      );
      return this.head(toKey).then((head) =>
        head ? { ...head, etag: out.CopyObjectResult?.ETag?.replace(/^"|"$/g, '') ?? head.etag } : null,
      );
    } catch (error) {
      if (isNotFound(error)) return null;
      // Other bytes than those pinned.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += S3_BATCH) {
      const batch = unique.slice(i, i + S3_BATCH);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      // S3 reports a missing key as deleted; anything listed here really failed (access, throttling).
      const failed = (out.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `S3 refused to delete ${failed.length} of ${batch.length} objects, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim(),
        );
      }
    }
  }

  async list(prefix: string, options: { after?: string; limit?: number } = {}): Promise<ObjectPage> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? S3_BATCH)), S3_BATCH);
    const out = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, StartAfter: options.after, MaxKeys: limit }),
    );
    const objects: ObjectHead[] = (out.Contents ?? []).map((object) => ({
      key: object.Key!,
      sizeBytes: object.Size ?? 0,
      contentType: undefined,
      lastModified: object.LastModified,
    }));
    const last = objects.at(-1);
    return { objects, next: out.IsTruncated && last ? last.key : undefined };
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Closes the client's sockets (at shutdown). */
  destroy(): void {
    this.client.destroy();
  }
}

/** The S3 client's settings for a configuration: region, endpoint, path style, credentials (or the default chain). */
export function s3ClientConfig(config: S3Config): S3ClientConfig {
  return {
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    // Since 3.729 the SDK adds a CRC32 of the (empty) body to presigned PUTs by default, and S3 then refuses
    // every real upload; checksums only where an operation requires one (DeleteObjects).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** When S3 stops honouring a SigV4 URL: its signing time (to the second) plus its lifetime. */
function expiryOf(url: string): Date {
  const query = new URL(url).searchParams;
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  const lifetime = Number(query.get('X-Amz-Expires'));
  if (!signedAt || !Number.isSafeInteger(lifetime))
    throw new Error('The presigner made a URL without X-Amz-Date or X-Amz-Expires');
  const [, year, month, day, hour, minute, second] = signedAt.map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) + lifetime * 1000);
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    // HEAD answers a bare 404 (NotFound); GET names it. NoSuchBucket stays an error.
    (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.name === 'NoSuchVersion')
  );
}
