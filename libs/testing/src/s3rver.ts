/* eslint-disable @typescript-eslint/no-explicit-any -- s3rver ships no types */
/**
 * s3rver 4.0.4 answers some requests unlike AWS S3 (and MinIO) do. Three of its bugs are fixed by these
 * patches, in the test server, keeping its signature check as strict as it is:
 * - it canonicalises query values with encodeURIComponent, not as SigV4 says (RFC 3986, which also encodes
 *   `!'()*`), so a presigned GET whose response-content-disposition holds `filename*=UTF-8''…` is refused;
 * - it signs a bucket-level path (ListObjectsV2, DeleteObjects, HeadBucket) as `/bucket`, where the SDK
 *   signs `/bucket/`;
 * - its continuation tokens use single DES, which OpenSSL 3 has only in its legacy provider, so every
 *   truncated listing is a 500 (triple DES with the key repeated is the same cipher).
 * A fourth patch gives it a behaviour of S3 it lacks: a PUT with `If-None-Match: *` (a conditional write) is
 * refused with 412 PreconditionFailed when an object is at the key, racing PUTs of one key included; and a fifth,
 * a GET with `If-Match` is refused with 412 when the object's ETag is another.
 * Two more are avoided by the storage contract: `Range: bytes=0-0` answers the whole object, and keys that differ
 * after a common name by `-` and `/` list in the wrong order.
 */
/**
 * Each test file that starts s3rver applies the patches with, at its top:
 *   jest.mock('crypto', () => require('<path to libs/testing/src>/s3rver').patchedCrypto());
 *   jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
 *     require('<path to libs/testing/src>/s3rver').patchedS3rverAuthentication());
 *   jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
 *     require('<path to libs/testing/src>/s3rver').patchedS3rverObjects());
 */
export function patchedCrypto(): unknown {
  const actual = jest.requireActual('crypto');
  const cipher =
    (make: (algorithm: string, key: Buffer, iv: Buffer) => unknown) => (algorithm: string, key: Buffer, iv: Buffer) =>
      algorithm === 'des' ? make('des-ede3-cbc', Buffer.concat([key, key, key]), iv) : make(algorithm, key, iv);
  return {
    ...actual,
    createCipheriv: cipher(actual.createCipheriv),
    createDecipheriv: cipher(actual.createDecipheriv),
  };
}

export function patchedS3rverAuthentication(): unknown {
  const authentication = jest.requireActual('@20minutes/s3rver/lib/middleware/authentication');
  const builtin = globalThis.encodeURIComponent;
  const rfc3986 = (value: string | number | boolean): string =>
    builtin(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.assign(() => {
    const verify = authentication();
    return (ctx: any, next: () => Promise<void>) => {
      const bucket = ctx.params.bucket;
      const bucketLevel = Boolean(bucket) && !ctx.params.key && ctx.path.endsWith('/');
      const restore = (): void => {
        globalThis.encodeURIComponent = builtin;
        if (bucketLevel) ctx.params.bucket = bucket;
      };
      // Only while the signature is computed (synchronously, up to `next`).
      globalThis.encodeURIComponent = rfc3986;
      if (bucketLevel) ctx.params.bucket = `${bucket}/`;
      try {
        return verify(ctx, () => {
          restore();
          return next();
        });
      } finally {
        restore();
      }
    };
  }, authentication);
}

/**
 * PUT Object honouring `If-None-Match: *` as S3 does (and GET and copy their If-Match, below). The check and the write of one key run one at a time, so of
 * two racing PUTs the second sees the first's object (S3 answers the loser 412 too, or 409 while both are in flight).
 */
export function patchedS3rverObjects(): unknown {
  const objects = jest.requireActual('@20minutes/s3rver/lib/controllers/object');
  const S3Error = jest.requireActual('@20minutes/s3rver/lib/models/error');
  const queues = new Map<string, Promise<unknown>>();
  const putObject = async (ctx: any): Promise<void> => {
    if (ctx.headers['if-none-match'] !== '*') return objects.putObject(ctx);
    const { bucket, key } = ctx.params;
    const id = `${bucket}/${key}`;
    const turn = (queues.get(id) ?? Promise.resolve()).then(async () => {
      if (await ctx.store.existsObject(bucket, key)) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'If-None-Match',
        });
      }
      await objects.putObject(ctx);
    });
    const settled = turn.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => {
      if (queues.get(id) === settled) queues.delete(id);
    });
    await turn;
  };
  // GET Object honouring `If-Match` as S3 does (s3rver ignores it): other bytes at the key are a 412.
  const getObject = async (ctx: any): Promise<void> => {
    const wanted = ctx.headers['if-match'];
    if (wanted !== undefined) {
      const { bucket, key } = ctx.params;
      const held = (await ctx.store.existsObject(bucket, key)) ? await ctx.store.getMetadata(bucket, key) : undefined;
      if (held && held.etag !== wanted && wanted !== '*') {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'If-Match',
        });
      }
    }
    return objects.getObject(ctx);
  };
  // PUT Object - Copy honouring `x-amz-copy-source-if-match` as S3 does (s3rver ignores it).
  const putObjectCopy = async (ctx: any): Promise<void> => {
    const wanted = ctx.headers['x-amz-copy-source-if-match'];
    if (wanted !== undefined) {
      const [bucket, ...key] = decodeURI(ctx.headers['x-amz-copy-source']).replace(/^\//, '').split('/');
      const source = key.join('/');
      const held = (await ctx.store.existsObject(bucket, source)) ? await ctx.store.getMetadata(bucket, source) : null;
      if (held && held.etag !== wanted) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'x-amz-copy-source-If-Match',
        });
      }
    }
    return objects.putObjectCopy(ctx);
  };
  return { ...objects, putObject, getObject, putObjectCopy };
}

/** The little of s3rver the tests use. It emits every object event, S3-shaped (keys not URL-encoded). */
export interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: any[] }) => void): this;
}

export function createS3rver(options: Record<string, unknown>): S3rverInstance {
  const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  return new S3rver(options);
}

export interface RunningS3rver {
  server: S3rverInstance;
  endpoint: string;
  /** The API's (and the workers') environment for this server and bucket. */
  env: Record<string, string>;
}

/** A real S3 server on a free local port, keeping its objects under `directory`, with `bucket` made. */
export async function startS3rver(directory: string, bucket: string): Promise<RunningS3rver> {
  const server = createS3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  const env = {
    S3_BUCKET: bucket,
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_REGION: 'us-east-1',
  };
  return { server, endpoint, env };
}
