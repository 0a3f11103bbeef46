import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, S3Config } from '@app/config';
import { startTestApp, TestApp } from '../../../../test/support/test-app';
import { contentDisposition } from '../content-disposition';
import { ContractSubject, objectStorageContract, Refusal } from '../object-storage.contract';
import { ObjectStorage } from '../object-storage';
import { s3ClientConfig, S3ObjectStorage } from './s3-object-storage';
import { S3rverInstance, startS3rver } from '../../../testing/src/s3rver';

/** s3rver's bugs and their patches: libs/testing/src/s3rver.ts. */
jest.mock('crypto', () => require('../../../testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../../../testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../../../testing/src/s3rver').patchedS3rverObjects(),
);

const BUCKET = 'clouddrive-test';

/** What s3rver answers to each misuse: S3's own error codes, in an XML body. */
const S3_REFUSALS: Record<Refusal, { status: number; code: string }> = {
  tampered_key: { status: 403, code: 'SignatureDoesNotMatch' },
  tampered_signature: { status: 403, code: 'SignatureDoesNotMatch' },
  expired: { status: 403, code: 'AccessDenied' },
  body_too_big: { status: 403, code: 'SignatureDoesNotMatch' },
  body_too_small: { status: 403, code: 'SignatureDoesNotMatch' },
  other_content_type: { status: 403, code: 'SignatureDoesNotMatch' },
  download_tampered: { status: 403, code: 'SignatureDoesNotMatch' },
  download_expired: { status: 403, code: 'AccessDenied' },
  used_url: { status: 412, code: 'PreconditionFailed' },
};

describe('S3ObjectStorage against s3rver (a real S3 server that checks SigV4)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'clouddrive-s3rver-'));
  let server: S3rverInstance;
  let endpoint: string;
  let config: S3Config;
  let client: S3Client;
  let storage: S3ObjectStorage;

  beforeAll(async () => {
    ({ server, endpoint } = await startS3rver(directory, BUCKET));
    config = {
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    };
    client = new S3Client(s3ClientConfig(config));
    storage = new S3ObjectStorage(client, BUCKET);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const subject: ContractSubject = {
    get storage(): ObjectStorage {
      return storage;
    },
    async expectRefused(response: Response, refusal: Refusal): Promise<void> {
      const expected = S3_REFUSALS[refusal];
      expect(response.status).toBe(expected.status);
      expect(await response.text()).toContain(`<Code>${expected.code}</Code>`);
    },
  };

  objectStorageContract(() => subject);

  describe('presigned URLs', () => {
    it('sign the Content-Length, Content-Type and If-None-Match of an upload, and carry no checksum of an empty body', async () => {
      const request = await storage.presignUpload({
        key: 'files/a',
        sizeBytes: 10,
        contentType: 'image/png',
        expiresInSeconds: 60,
      });
      const query = new URL(request.url).searchParams;
      expect(query.get('X-Amz-SignedHeaders')!.split(';').sort()).toEqual([
        'content-length',
        'content-type',
        'host',
        'if-none-match',
      ]);
      // SDKs since 3.729 add x-amz-checksum-crc32 of the empty body by default: S3 would then refuse every upload.
      expect([...query.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
      expect(Number(query.get('X-Amz-Expires'))).toBe(60);
    });

    it('leave If-None-Match out of an upload that may overwrite', async () => {
      const request = await storage.presignUpload({
        key: 'files/a',
        sizeBytes: 10,
        contentType: 'image/png',
        expiresInSeconds: 60,
        overwrite: true,
      });
      const query = new URL(request.url).searchParams;
      expect(query.get('X-Amz-SignedHeaders')!.split(';').sort()).toEqual(['content-length', 'content-type', 'host']);
      expect(request.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '10' });
    });

    it('name the version of a download when given one', async () => {
      const request = await storage.presignDownload({
        key: 'files/a',
        fileName: 'a.txt',
        expiresInSeconds: 60,
        versionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd',
      });
      expect(new URL(request.url).searchParams.get('versionId')).toBe('3HL4kqtJlcpXroDTDmjVBH40Nrjfkd');
    });

    it('ask for the attachment disposition and the type of a download', async () => {
      const request = await storage.presignDownload({
        key: 'files/a',
        fileName: 'naïve "résumé" 你好.pdf',
        contentType: 'application/pdf',
        expiresInSeconds: 60,
      });
      const query = new URL(request.url).searchParams;
      expect(query.get('response-content-disposition')).toBe(contentDisposition('naïve "résumé" 你好.pdf'));
      expect(query.get('response-content-type')).toBe('application/pdf');
    });

    it('report when S3 stops honouring them', async () => {
      const request = await storage.presignUpload({
        key: 'files/a',
        sizeBytes: 1,
        contentType: 'text/plain',
        expiresInSeconds: 600,
      });
      const query = new URL(request.url).searchParams;
      const signedAt = query
        .get('X-Amz-Date')!
        .replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
      expect(request.expiresAt.getTime()).toBe(new Date(signedAt).getTime() + 600_000);
    });

    it('are refused for sizes, types and lifetimes that cannot be signed', async () => {
      const target = { key: 'files/a', sizeBytes: 1, contentType: 'text/plain', expiresInSeconds: 60 };
      await expect(storage.presignUpload({ ...target, sizeBytes: -1 })).rejects.toThrow(RangeError);
      await expect(storage.presignUpload({ ...target, sizeBytes: 5 * 1024 ** 3 + 1 })).rejects.toThrow(RangeError);
      await expect(storage.presignUpload({ ...target, contentType: 'text/plain\r\nX-Evil: 1' })).rejects.toThrow(
        RangeError,
      );
      await expect(storage.presignUpload({ ...target, expiresInSeconds: 8 * 24 * 3600 })).rejects.toThrow(RangeError);
      await expect(storage.presignDownload({ key: '', fileName: 'a', expiresInSeconds: 60 })).rejects.toThrow(
        RangeError,
      );
    });
  });

  it('deletes in batches of 1000 keys, as S3 allows', async () => {
    await storage.write('batch/kept-until-deleted', Buffer.from('x'), 'text/plain');
    const keys = ['batch/kept-until-deleted', ...Array.from({ length: 1000 }, (_, i) => `batch/missing-${i}`)];
    const send = jest.spyOn(client, 'send');
    try {
      await storage.delete(keys);
      const batches = send.mock.calls
        .map(([command]) => command)
        .filter((command) => command instanceof DeleteObjectsCommand)
        .map((command) => (command as DeleteObjectsCommand).input.Delete!.Objects!.length);
      expect(batches).toEqual([1000, 1]);
    } finally {
      send.mockRestore();
    }
    expect(await storage.head('batch/kept-until-deleted')).toBeNull();
  });

  it('fails its check when the bucket does not exist', async () => {
    await expect(new S3ObjectStorage(client, 'no-such-bucket').check()).rejects.toThrow();
  });

  it('builds its client from the configuration', async () => {
    const fromConfig = S3ObjectStorage.fromConfig(config);
    try {
      await fromConfig.write('from-config', Buffer.from('hello'), 'text/plain');
      expect((await storage.read('from-config'))!.toString()).toBe('hello');
    } finally {
      fromConfig.destroy();
    }
  });

  it('takes the default credential chain when none are configured', () => {
    const s3 = loadConfig({
      DATABASE_URL: 'postgres://x/y',
      JWT_SECRET: 'x'.repeat(32),
      LAMBDA_SECRET: 'x'.repeat(32),
      S3_BUCKET: 'b',
    }).storage.s3!;
    expect(s3ClientConfig(s3)).toMatchObject({ region: 'us-east-1', endpoint: undefined, credentials: undefined });
  });

  describe('the API with S3_BUCKET set', () => {
    let t: TestApp;
    const s3Env = (bucket: string): Record<string, string> => ({
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    beforeAll(async () => {
      t = await startTestApp(s3Env(BUCKET));
    });
    afterAll(() => t?.close());

    it('uses the bucket, and checks it for readiness', async () => {
      expect(t.app.get(ObjectStorage)).toBeInstanceOf(S3ObjectStorage);
      await t.http.get('/health/ready').expect(200, { status: 'ready', checks: { database: 'up', storage: 'up' } });
    });

    it('serves no local store routes', async () => {
      const res = await t.http.put('/storage/files/a').set('Content-Type', 'text/plain').send('abc');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('route_not_found');
      expect((await t.http.get('/storage/files/a')).status).toBe(404);
    });

    it('is not ready when the bucket does not answer', async () => {
      const broken = await startTestApp(s3Env('no-such-bucket'));
      try {
        await broken.http
          .get('/health/ready')
          .expect(503, { status: 'unavailable', checks: { database: 'up', storage: 'down' } });
      } finally {
        await broken.close();
      }
    });
  });
});
