import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeS3Key, S3EventRecord } from '@app/contracts';
import { download, eventually, expectProblem, expectStatus, FileDrive, sendBytes, Upload } from './support/drive-files';
import { ServerProcess, startServerProcess } from './support/server-process';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { S3rverInstance, startS3rver } from '../libs/testing/src/s3rver';
import { fixturePath } from '@app/testing';

jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);
jest.mock('@20minutes/s3rver/lib/controllers/object', () =>
  require('../libs/testing/src/s3rver').patchedS3rverObjects(),
);

const BUCKET = 'clouddrive-receiver';
const TOKEN = 'receiver-token-0123456789abcdef';

/** A bucket notification as MinIO's webhook target posts it: `s3:`-prefixed names, `EventName`, `Key`. */
function minioNotification(record: S3EventRecord): unknown {
  const key = encodeS3Key(record.s3.object.key);
  const name = `s3:${record.eventName}`;
  return {
    EventName: name,
    Key: `${BUCKET}/${key}`,
    Records: [
      {
        ...record,
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventName: name,
        userIdentity: { principalId: 'minioadmin' },
        s3: { ...record.s3, object: { ...record.s3.object, key, contentType: 'application/octet-stream' } },
      },
    ],
  };
}

/**
 * The self-hosted column: a real S3 server, the API on it, and the workers' receiver (`npm run start:workers`,
 * a real process) fed the bucket's notifications over HTTP as MinIO sends them.
 */
describe('workers: the HTTP receiver of bucket notifications, next to a self-hosted S3 server', () => {
  const directory = mkdtempSync(join(tmpdir(), 'clouddrive-receiver-'));
  let server: S3rverInstance;
  let t: TestApp;
  let receiver: ServerProcess;
  let receiverUrl: string;
  const deliveries: Promise<Response>[] = [];

  const post = (body: unknown, token = TOKEN): Promise<Response> =>
    fetch(`${receiverUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    const s3rver = await startS3rver(directory, BUCKET);
    server = s3rver.server;
    const s3 = s3rver.env;
    t = await startTestApp(s3);
    receiver = startServerProcess(
      {
        ...s3,
        API_URL: await t.app.getUrl(),
        LAMBDA_SECRET: t.config.auth.lambdaSecret,
        WORKERS_TOKEN: TOKEN,
        WORKERS_PORT: '0',
        HOST: '127.0.0.1',
      },
      'apps/workers/src/main.ts',
    );
    receiverUrl = await receiver.url;
    server.on('event', (event: { Records: S3EventRecord[] }) => {
      for (const record of event.Records) deliveries.push(post(minioNotification(record)));
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(deliveries);
    await receiver?.stop();
    await t?.close();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const newDrive = async (): Promise<FileDrive> => new FileDrive(t.http, await registerAndLogin(t.http));

  it('confirms an upload and makes its preview from the notification', async () => {
    const drive = await newDrive();
    const bytes = readFileSync(fixturePath('exif-orientation', 'Landscape_8.jpg'));
    const { file, upload } = await drive.startUpload('landscape.jpg', bytes, { content_type: 'image/jpeg' });
    await sendBytes(upload, bytes);
    const ready = await eventually('the preview', async () => {
      const res = await t.http.get(`/image-preview/${file.id}`).set(drive.auth);
      return res.status === 202 ? undefined : res;
    });
    expectStatus(ready, 200);
    const preview = await sharp((await download(ready.body.url)).body).metadata();
    expect(preview.width).toBeGreaterThan(preview.height);
    expect(Math.max(preview.width, preview.height)).toBeLessThanOrEqual(400);
  });

  it('checks a profile photo: an image becomes 400×400, an executable is rejected', async () => {
    const drive = await newDrive();
    const photo = async (bytes: Buffer): Promise<void> => {
      const res = await t.http.post('/profile-photo').set(drive.auth).send({ photo_size_in_bytes: bytes.length });
      expectStatus(res, 200);
      await sendBytes(res.body.upload as Upload, bytes);
    };
    const settled = () =>
      eventually('the profile photo checked', async () => {
        const res = await t.http.get('/profile-photo').set(drive.auth);
        return res.body.status === 'processing' || res.body.photo_status === 'processing' ? undefined : res;
      });

    await photo(readFileSync(fixturePath('exif-orientation', 'Portrait_3.jpg')));
    const ready = await settled();
    expectStatus(ready, 200);
    expect(ready.body.status).toBe('ready');
    const square = await sharp((await download(ready.body.url)).body).metadata();
    expect([square.width, square.height, square.format]).toEqual([400, 400, 'jpeg']);

    await photo(Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(300, 1)]));
    const rejected = await settled();
    // The photo in use stays; the newer upload is reported rejected.
    expectStatus(rejected, 200);
    expect(rejected.body.status).toBe('rejected');
  });

  it('answers 401 to a notification without the token, and processes nothing', async () => {
    const res = await post({ Records: [] }, 'wrong-token');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    const none = await fetch(`${receiverUrl}/events`, { method: 'POST', body: '{"Records":[]}' });
    expect(none.status).toBe(401);
  });

  it('answers 400 to a body that is not JSON, 422 to JSON that is not a notification, 404 elsewhere', async () => {
    expect((await post('{"Records": [')).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(422);
    expect((await post({ Records: [{ eventName: 'x' }] })).status).toBe(422);
    expect((await fetch(`${receiverUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${receiverUrl}/events`)).status).toBe(405);
  });

  it('answers 200 to records it has nothing to do with: a key that names no file, a removal', async () => {
    const record = {
      eventName: 'ObjectCreated:Put',
      eventTime: new Date().toISOString(),
      s3: { bucket: { name: BUCKET }, object: { key: 'files/00000000-0000-4000-8000-000000000000/x', size: 1 } },
    } as S3EventRecord;
    const res = await post(minioNotification(record));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      outcomes: [{ key: 'files/00000000-0000-4000-8000-000000000000/x', outcome: 'ignored' }],
    });
    const removal = await post(minioNotification({ ...record, eventName: 'ObjectRemoved:Delete' }));
    expect(await removal.json()).toEqual({ outcomes: [] });
  });

  it('has a health check', async () => {
    const res = await fetch(`${receiverUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'healthy' });
  });

  it('will not start without WORKERS_TOKEN, naming it', async () => {
    const bare = startServerProcess(
      { API_URL: 'http://127.0.0.1:1', LAMBDA_SECRET: 'x'.repeat(32), WORKERS_PORT: '0' },
      'apps/workers/src/main.ts',
    );
    expect(await bare.exited).toBe(1);
    expect(bare.output()).toMatch(/WORKERS_TOKEN/);
  });

  it('a missing profile photo answers 404 through the API, as before any upload', async () => {
    const drive = await newDrive();
    expectProblem(await t.http.get('/profile-photo').set(drive.auth), 404, 'no_profile_photo');
  });
});
