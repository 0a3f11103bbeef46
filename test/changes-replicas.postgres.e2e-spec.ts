import { randomUUID } from 'node:crypto';
import { PostgresCluster } from '@app/testing';
import { openEvents, StreamEvent } from './support/event-source';
import { expectStatus } from './support/expectations';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { SharingDrive } from './support/sharing';

/**
 * Two API processes' worth (two Nest applications) on one PostgreSQL server, as replicas behind a load balancer:
 * a change written through one reaches the streams open on the other (NOTIFY inside the writing transaction, one
 * LISTEN per process), and a lost LISTEN connection is made again without losing a change.
 */
describe('event streams across replicas (PostgreSQL LISTEN/NOTIFY)', () => {
  let cluster: PostgresCluster;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    cluster = await PostgresCluster.create();
    const database = { url: cluster.url, env: {}, drop: async () => undefined };
    // One deployment: the replicas share their secrets, so a token made by one is good on the other.
    // No Redis: the replicas could not tell each other's caches what changed, so none (as on a server by default).
    const secrets = { JWT_SECRET: randomUUID().repeat(2), LAMBDA_SECRET: randomUUID().repeat(2), CACHE_STORE: 'off' };
    a = await startTestApp(secrets, database);
    b = await startTestApp(secrets, database);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.destroy();
  });

  const isChange = (event: StreamEvent): boolean => event.event === 'change';
  const itemOf = (event: StreamEvent): string => JSON.parse(event.data).item.id;

  it('delivers on one replica what was written through the other, to owner and share recipient', async () => {
    const owner = new SharingDrive(a, await registerAndLogin(a.http));
    const viewer = new SharingDrive(a, await registerAndLogin(a.http));
    const url = await b.app.getUrl();
    const ownerStream = await openEvents(`${url}/events`, owner.auth);
    const viewerStream = await openEvents(`${url}/events`, viewer.auth);
    const folder = await owner.folder(`Replicated-${randomUUID()}`);
    await owner.share(folder, viewer, 'view');
    const inner = await owner.folder('Inner', folder.id);

    expect((await ownerStream.next(isChange, 3)).map((event) => JSON.parse(event.data).type)).toEqual([
      'item_created',
      'share_added',
      'item_created',
    ]);
    expect((await viewerStream.next(isChange, 2)).map(itemOf)).toEqual([folder.id, inner.id]);
    ownerStream.close();
    viewerStream.close();
  });

  it('connects LISTEN again after its connection is killed, and the streams catch up', async () => {
    const owner = new SharingDrive(a, await registerAndLogin(a.http));
    const stream = await openEvents(`${await b.app.getUrl()}/events`, owner.auth);
    const admin = await cluster.admin();
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    // Written while b has no LISTEN: b's stream learns of it when b listens again (a resync), not from a NOTIFY.
    const folder = await owner.folder(`While-away-${randomUUID()}`);
    const [event] = await stream.next(isChange, 1, 15_000);
    expect(itemOf(event)).toBe(folder.id);
    const res = await b.http.get('/changes').set(owner.auth).query({ cursor: '0' });
    expectStatus(res, 200);
    expect(res.body.changes.map((change: { item: { id: string } }) => change.item.id)).toEqual([folder.id]);
    stream.close();
  });
});
