import { INestApplicationContext } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '@app/config';
import { encodeS3Key, S3EventRecord } from '@app/contracts';
import { ObjectStorage, objectKeys, S3ObjectStorage } from '@app/storage';
import { createWorkersContext } from '../apps/workers/src/bootstrap';
import { EventDispatcher } from '../apps/workers/src/processing/event-dispatcher';
import {
  download,
  eventually,
  expectAttachmentOf,
  expectProblem,
  expectStatus,
  FileDrive,
  pngImage,
  put,
  sendBytes,
  Upload,
} from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { S3rverInstance, startS3rver } from '../libs/testing/src/s3rver';

/**
 * s3rver 4.0.4 needs three patches to answer as AWS S3 does (libs/testing/src/s3rver.ts explains them); here
 * they matter for the presigned GET's `filename*=UTF-8''…` and for DeleteObjects, with which a confirmed
 * Replace removes the old object.
 */
jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

const BUCKET = 'clouddrive-files';
const FIVE_GIB = 5 * 1024 ** 3;

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/** s3rver's record with its key URL-encoded, as AWS sends it (s3rver sends keys as they are). */
function asAws(record: S3EventRecord): S3EventRecord {
  return { ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) } } };
}

/** The object key a path-style presigned URL names. */
function keyOf(upload: Upload): string {
  return decodeURIComponent(new URL(upload.url).pathname.slice(`/${BUCKET}/`.length));
}

describe('files on S3: presigned uploads to a real S3 server, confirmed by the workers fed its events', () => {
  const directory = mkdtempSync(join(tmpdir(), 'clouddrive-files-s3-'));
  let server: S3rverInstance;
  let endpoint: string;
  let t: TestApp;
  let workers: INestApplicationContext;
  let storage: ObjectStorage;
  /** Events being handled now; failures of the handling (none is expected). */
  const handling = new Set<Promise<unknown>>();
  const failures: unknown[] = [];

  beforeAll(async () => {
    const s3rver = await startS3rver(directory, BUCKET);
    server = s3rver.server;
    endpoint = s3rver.endpoint;
    t = await startTestApp(s3rver.env);
    storage = t.app.get(ObjectStorage);

    // The workers as on Lambda or behind the HTTP receiver: their own context, calling the API over HTTP.
    const config: AppConfig = { ...t.config, workers: { ...t.config.workers, apiUrl: await t.app.getUrl() } };
    workers = await createWorkersContext(config);
    const dispatcher = workers.get(EventDispatcher);
    server.on('event', (event) => {
      const work = dispatcher.dispatch(event.Records.map(asAws)).catch((error: unknown) => failures.push(error));
      handling.add(work);
      void work.finally(() => handling.delete(work));
    });
  });

  afterAll(async () => {
    await Promise.all(handling);
    await workers?.close();
    await t?.close();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(failures).toEqual([]);
  });

  const newDrive = async (): Promise<FileDrive> => new FileDrive(t.http, await registerAndLogin(t.http));

  it('runs on S3, with no embedded workers', async () => {
    expect(storage).toBeInstanceOf(S3ObjectStorage);
    expect(t.config.workers.embedded).toBe(false);
    await t.http.get('/health/ready').expect(200);
  });

  it('uploads straight to S3 with the presigned PUT; the worker confirms it; it is listed with the sniffed type', async () => {
    const drive = await newDrive();
    const png = pngImage();
    const { file, upload } = await drive.startUpload('x.bin', png, { content_type: 'application/octet-stream' });
    expect(upload.method).toBe('PUT');
    expect(upload.url.startsWith(`${endpoint}/${BUCKET}/files/`)).toBe(true);
    expect(upload.headers).toEqual({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(png.length),
      'If-None-Match': '*',
    });
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')!.split(';').sort();
    expect(signed).toEqual(['content-length', 'content-type', 'host', 'if-none-match']);
    expect(keyOf(upload)).toBe(objectKeys.file(drive.account.id, file.id));
    expect(await drive.listed(file.id)).toBeUndefined();
    expectProblem(await drive.get(file.id), 409, 'file_not_ready');

    await sendBytes(upload, png);
    const listed = await drive.waitForFile(file.id);
    expect(listed).toMatchObject({
      id: file.id,
      name: 'x.bin',
      type: 'bin',
      size_in_bytes: png.length,
      content_type: 'image/png',
    });
    expect(await storage.read(keyOf(upload))).toEqual(png);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: png.length,
      available_storage_in_bytes: FIVE_GIB - png.length,
    });
  });

  it('downloads from S3 byte for byte, as an attachment under the exact Unicode name', async () => {
    const drive = await newDrive();
    const name = 'résumé 你好.txt';
    const bytes = text('Curriculum vitæ — 履歴書\n');
    const item = await drive.upload(name, bytes, { content_type: 'text/plain' });
    expect(item.content_type).toBe('text/plain');

    const res = await drive.get(item.id);
    expectStatus(res, 200);
    expect(res.body.file).toEqual(item);
    expect(res.body.url.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
    const got = await download(res.body.url);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(bytes);
    expect(got.headers.get('content-type')).toMatch(/^text\/plain\b/);
    expectAttachmentOf(got.headers, name);
  });

  type Misuse = (upload: Upload, body: Buffer) => Promise<Response>;
  /** The upload's headers but Content-Length (fetch sets it from the body). */
  const only = (upload: Upload): Record<string, string> =>
    Object.fromEntries(Object.entries(upload.headers).filter(([name]) => name !== 'Content-Length'));

  it.each<[string, Misuse]>([
    [
      'a tampered signature',
      (u, b) => {
        const url = new URL(u.url);
        const signature = url.searchParams.get('X-Amz-Signature')!;
        url.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
        return put({ ...u, url: url.toString() }, b);
      },
    ],
    ['a body one byte too long', (u, b) => put(u, Buffer.concat([b, text('!')]), only(u))],
    ['a body one byte too short', (u, b) => put(u, b.subarray(0, b.length - 1), only(u))],
    ['another Content-Type', (u, b) => put(u, b, { ...u.headers, 'Content-Type': 'text/html' })],
  ])('is refused by S3 for %s: nothing stored, the file stays unlisted', async (_, misuse) => {
    const drive = await newDrive();
    const bytes = text('what the URL was signed for\n');
    const { file, upload } = await drive.startUpload('guarded.txt', bytes, { content_type: 'text/plain' });

    const refused = await misuse(upload, bytes);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await storage.head(keyOf(upload))).toBeNull();

    // Another upload goes through the events meanwhile: the refused one never made one.
    await drive.upload('after.txt', text('after\n'), { content_type: 'text/plain' });
    expect(await drive.listed(file.id)).toBeUndefined();

    await sendBytes(upload, bytes);
    await drive.waitForFile(file.id);
    expect(await drive.bytesOf(file.id)).toEqual(bytes);
  });

  it('Replace keeps the id; the old bytes stay downloadable until the new ones are confirmed, then are a version', async () => {
    const drive = await newDrive();
    const v1 = text('version one\n');
    const v2 = text('version two, somewhat longer\n');
    const original = await drive.upload('report.txt', v1, { content_type: 'text/plain' });

    const replace = await drive.startUpload('report.txt', v2, { content_type: 'text/plain', file_conflict: 'Replace' });
    expect(replace.file.id).toBe(original.id);
    expect(keyOf(replace.upload)).not.toBe(objectKeys.file(drive.account.id, original.id));
    expect(await drive.bytesOf(original.id)).toEqual(v1);
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - v2.length,
    });

    await sendBytes(replace.upload, v2);
    await drive.waitForFile(original.id, (item) => item.size_in_bytes === v2.length);
    expect(await drive.bytesOf(original.id)).toEqual(v2);
    expect((await drive.items()).map((item) => item.id)).toEqual([original.id]);
    // The old bytes are kept as a version (test/versions.e2e-spec.ts), and go on counting.
    expect(await drive.figures()).toMatchObject({
      used_storage_in_bytes: v1.length + v2.length,
      available_storage_in_bytes: FIVE_GIB - v1.length - v2.length,
    });
    expect(await storage.read(objectKeys.file(drive.account.id, original.id))).toEqual(v1);
  });

  it('rejects an object of another size written into the bucket: deleted, never listed, the name free again', async () => {
    const drive = await newDrive();
    const { file, upload } = await drive.startUpload('sneaky.txt', 10, { content_type: 'text/plain' });
    // Not through the presigned URL (S3 would refuse the size): straight into the bucket, with credentials.
    await storage.write(keyOf(upload), text('not ten bytes at all'), 'text/plain');

    await eventually('the upload rejected', async () => ((await drive.get(file.id)).status === 404 ? true : undefined));
    expectProblem(await drive.get(file.id), 404, 'file_not_found');
    expect(await storage.head(keyOf(upload))).toBeNull();
    expect(await drive.listed(file.id)).toBeUndefined();
    expect(await drive.figures()).toMatchObject({ used_storage_in_bytes: 0, available_storage_in_bytes: FIVE_GIB });
    expect((await drive.startUpload('sneaky.txt', 10)).file.name).toBe('sneaky.txt');
  });
});
