import { performance } from 'node:perf_hooks';
import { PostgresCluster, withClient } from '@app/testing';
import { eventually, FileDrive } from './support/drive-files';
import { expectNothingLost, FaultLoad, mixedUpload } from './support/fault-load';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

/**
 * PostgreSQL stopped (`pg_ctl stop -m fast`, as an operator or a failover does) and started again under a load
 * of real requests: the API on a cluster of this suite's own, with the embedded store and the workers on their
 * thread, as a self-hosted API without S3 runs. Collected where PostgreSQL's programs are (see jest.config.js).
 */
describe('faults: the database goes down under load and comes back', () => {
  let cluster: PostgresCluster;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await PostgresCluster.create();
    t = await startTestApp(
      { EMBEDDED_WORKERS: 'true', DATABASE_WAIT_SECONDS: '2' },
      { url: cluster.url, env: {}, drop: async () => undefined },
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await cluster?.destroy();
  });

  it('answers 503 with Retry-After while it is down (never 500), recovers by itself, loses no upload', async () => {
    const drives = await Promise.all([1, 2, 3].map(async () => new FileDrive(t.http, await registerAndLogin(t.http))));
    // Every other upload a PNG, so that the workers also make previews through the outage.
    const load = new FaultLoad(t.http, drives, mixedUpload);
    let backAt = 0;
    await load.during(async () => {
      await eventually('uploads before the outage', async () => (load.stored.length >= 3 ? true : undefined));
      const downAt = performance.now();
      await cluster.stop();
      await eventually('failed requests while the database is down', async () =>
        load.apiAnswers(downAt).filter((answer) => answer.status >= 300 || answer.status === 0).length >= 5
          ? true
          : undefined,
      );
      const storedWhileDown = load.stored.length;
      await cluster.start();
      backAt = performance.now();
      await eventually('uploads after the database is back', async () =>
        load.stored.length >= storedWhileDown + 3 ? true : undefined,
      );
    });

    // No 500, no hang-up: every answer was a success or the documented 503.
    expect(load.wrongAnswers()).toEqual([]);
    expect(load.apiAnswers().filter((answer) => answer.status === 503).length).toBeGreaterThan(0);
    // It healed by itself: every request sent once the server was back succeeded (no broken connection kept).
    const after = load.apiAnswers(backAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((answer) => answer.status !== 200 && answer.status !== 201)).toEqual([]);

    // Nothing lost: every upload granted and stored is confirmed by the workers, which waited the outage out.
    await expectNothingLost(load, drives);
    // And in the database itself: no upload left pending.
    const [{ pending }] = await withClient(cluster.url, async (client) => {
      const result = await client.query(`SELECT count(*)::int AS pending FROM items WHERE upload_status = 'pending'`);
      return result.rows as { pending: number }[];
    });
    expect(pending).toBe(0);
  }, 90_000);
});
