import { INestApplicationContext } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '@app/config';
import { encodeS3Key, S3EventRecord } from '@app/contracts';
import { ObjectStorage } from '@app/storage';
import { createWorkersContext } from '../apps/workers/src/bootstrap';
import { EventDispatcher } from '../apps/workers/src/processing/event-dispatcher';
import { BRIEF_BACKOFF } from '../apps/workers/src/processing/retry';
import { Reconciler } from '../apps/api/src/modules/reconciler/reconciler.service';
import { eventually, expectProblem, FileDrive, pngImage, sendBytes } from './support/drive-files';
import { expectNothingLost, FaultLoad, mixedUpload } from './support/fault-load';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { createS3rver, S3rverInstance, startS3rver } from '../libs/testing/src/s3rver';

// s3rver's patches, as in files-s3.e2e-spec.ts (libs/testing/src/s3rver.ts explains them).
jest.mock('crypto', () => require('../libs/testing/src/s3rver').patchedCrypto());
jest.mock('@20minutes/s3rver/lib/middleware/authentication', () =>
  require('../libs/testing/src/s3rver').patchedS3rverAuthentication(),
);

const BUCKET = 'clouddrive-files';

/**
 * The S3 server stopped and started again (same port, same objects) under a load of real requests: the API
 * on s3rver, the workers in their own context fed by its events, as on Lambda or behind the HTTP receiver.
 */
describe('faults: the S3 server goes down under load and comes back', () => {
  const directory = mkdtempSync(join(tmpdir(), 'clouddrive-faults-s3-'));
  let server: S3rverInstance;
  let port: number;
  let t: TestApp;
  let workers: INestApplicationContext;
  let dispatcher: EventDispatcher;
  /** Events being handled; events held back (to be handled while the server is down); failed handlings. */
  const handling = new Set<Promise<unknown>>();
  let held: S3EventRecord[][] | undefined;
  const failures: unknown[] = [];

  const handle = (records: S3EventRecord[]): Promise<unknown> => {
    const work = dispatcher.dispatch(records).catch((error: unknown) => failures.push(error));
    handling.add(work);
    void work.finally(() => handling.delete(work));
    return work;
  };
  /** s3rver's records with their keys URL-encoded, as AWS sends them. */
  const listen = (s3: S3rverInstance) =>
    s3.on('event', (event) => {
      const records = event.Records.map((record: S3EventRecord) => ({
        ...record,
        s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) } },
      }));
      if (held) held.push(records);
      else void handle(records);
    });

  const stopS3 = () => server.close();
  const startS3 = async () => {
    server = createS3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: BUCKET }],
    });
    listen(server);
    await server.run();
  };

  beforeAll(async () => {
    const s3rver = await startS3rver(directory, BUCKET);
    server = s3rver.server;
    port = Number(new URL(s3rver.endpoint).port);
    listen(server);
    t = await startTestApp(s3rver.env);
    const config: AppConfig = { ...t.config, workers: { ...t.config.workers, apiUrl: await t.app.getUrl() } };
    workers = await createWorkersContext(config);
    dispatcher = workers.get(EventDispatcher);
  });

  afterAll(async () => {
    await Promise.all(handling);
    await workers?.close();
    await t?.close();
    await server?.close().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  });

  it('the worker waits out a store that is down: an upload stored just before is confirmed once it is back', async () => {
    const drive = new FileDrive(t.http, await registerAndLogin(t.http));
    const png = pngImage();
    const { file, upload } = await drive.startUpload('before.png', png, { content_type: 'image/png' });
    held = [];
    await sendBytes(upload, png);
    const events = held;
    held = undefined;
    expect(events).toHaveLength(1);

    await stopS3();
    // Meanwhile the API answers what needs the store with 503: its confirmation, its readiness.
    const confirm = await t.http.post('/confirm-file-upload').set('x-lambda-secret', t.config.auth.lambdaSecret).send({
      file_id: file.id,
      size_in_bytes: png.length,
      content_type: 'image/png',
      object_key: events[0][0].s3.object.key,
    });
    expectProblem(confirm, 503, 'service_unavailable');
    expect(confirm.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    await t.http.get('/health/ready').expect(503);
    // What does not need it goes on: listing, asking for uploads and downloads (presigning is local).
    expect(await drive.listed(file.id)).toBeUndefined();
    await drive.startUpload('during.txt', 5, { content_type: 'text/plain' });

    // The worker's store, watched (not replaced): how often its calls failed against the stopped server.
    const storage = workers.get(ObjectStorage);
    const head = storage.head.bind(storage);
    let refused = 0;
    const watch = jest.spyOn(storage, 'head').mockImplementation((key) =>
      head(key).catch((error: unknown) => {
        refused++;
        throw error;
      }),
    );
    const work = handle(events[0]);
    // More tries than a hiccup gets: the worker is waiting the outage out. Then the store comes back.
    await eventually('the worker still trying the stopped store', async () =>
      refused > BRIEF_BACKOFF.attempts ? true : undefined,
    );
    await startS3();
    await work;
    watch.mockRestore();
    expect(failures).toEqual([]);
    expect(await drive.waitForFile(file.id)).toMatchObject({ content_type: 'image/png', size_in_bytes: png.length });
    expect((await drive.waitForPreview(file.id)).status).toBe(200);
    await t.http.get('/health/ready').expect(200);
  }, 60_000);

  it('answers no 500 under load while it is down, loses no stored upload, and frees what never arrived', async () => {
    const drives = await Promise.all([1, 2, 3].map(async () => new FileDrive(t.http, await registerAndLogin(t.http))));
    const load = new FaultLoad(t.http, drives, mixedUpload);
    let backAt = 0;
    await load.during(async () => {
      await eventually('uploads before the outage', async () => (load.stored.length >= 3 ? true : undefined));
      const downAt = performance.now();
      await stopS3();
      await eventually('uploads refused by the stopped store', async () =>
        load.answers.filter((answer) => answer.what === 'put' && answer.sentAt >= downAt && answer.status === 0)
          .length >= 3
          ? true
          : undefined,
      );
      await startS3();
      backAt = performance.now();
      const storedBefore = load.stored.length;
      await eventually('uploads after the store is back', async () =>
        load.stored.length >= storedBefore + 3 ? true : undefined,
      );
    });

    // The API's own answers: all successes (none of these requests needs the store), never a 500.
    expect(load.wrongAnswers()).toEqual([]);
    expect(
      load.answers.filter((answer) => answer.what === 'put' && answer.sentAt >= backAt && answer.status !== 200),
    ).toEqual([]);
    await Promise.all(handling);
    expect(failures).toEqual([]);
    // Uploads whose bytes never arrived are forgotten once their URL and its grace have passed: nothing reserved.
    const later = new Date(
      Date.now() + (t.config.storage.uploadUrlTtlSeconds + t.config.drive.uploadGraceSeconds + 120) * 1000,
    );
    // The reconciler settles a batch of uploads per pass: as many passes as it takes, as its timer would.
    for (let pass = 0; pass < 50; pass++) {
      const report = await t.app.get(Reconciler).run(later);
      if (report.confirmed === 0 && report.expired === 0) break;
    }
    await expectNothingLost(load, drives);
  }, 60_000);
});
