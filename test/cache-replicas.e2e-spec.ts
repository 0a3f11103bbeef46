import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { readTestEnvironment } from '@app/config';
import { createTestDatabase, PostgresCluster, TestDatabase } from '@app/testing';
import { expectProblem, expectStatus } from './support/expectations';
import { SharingDrive } from './support/sharing';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

// Against a real Redis only when TEST_REDIS_URL names one (.ci/run does): without it these cases do not exist. The
// database is TEST_DATABASE_URL's server, or a PostgreSQL cluster of the test's own (two replicas need a real server).
const { redisUrl, databaseUrl } = readTestEnvironment();
for (const url of redisUrl ? [redisUrl] : []) {
  describe('the cache shared in Redis by two API instances on one database', () => {
    const prefix = `clouddrive-test:${randomUUID()}:`;
    let cluster: PostgresCluster | undefined;
    let database: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    let redis: Redis;

    beforeAll(async () => {
      redis = new Redis(url);
      if (databaseUrl) database = await createTestDatabase();
      else {
        cluster = await PostgresCluster.create();
        database = { url: cluster.url, env: {}, drop: async () => undefined };
      }
      // One deployment: the replicas share their secrets (a token made by one is good on the other) and one Redis.
      const env = {
        JWT_SECRET: randomUUID().repeat(2),
        LAMBDA_SECRET: randomUUID().repeat(2),
        REDIS_URL: url,
        CACHE_REDIS_PREFIX: prefix,
        RATE_LIMIT_REDIS_PREFIX: `${prefix}rate:`,
      };
      const shared = { ...database, drop: async () => undefined };
      a = await startTestApp(env, shared);
      b = await startTestApp(env, shared);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await database?.drop();
      await cluster?.destroy();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    const names = async (t: TestApp, drive: SharingDrive, folderId: string) => {
      const res = await t.http.get(`/drive/${folderId}`).set(drive.auth).query({ limit: 1000 });
      expectStatus(res, 200);
      return (res.body.files_and_folders as { name: string }[]).map((item) => item.name);
    };

    it('serves on one instance what the other cached (in Redis, under the prefix)', async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Folder');
      const inner = await owner.folder('Cached', folder.id);
      expect(await names(a, owner, folder.id)).toEqual(['Cached']);
      await a.app.get(DataSource).query(`UPDATE items SET name = 'Behind' WHERE id = $1`, [inner.id]);
      expect(await names(b, owner, folder.id)).toEqual(['Cached']);
      expect(await redis.keys(`${prefix}value:${owner.account.id}:*`)).not.toHaveLength(0);
    });

    it('shows on B, at once, a rename made on A', async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Folder');
      const inner = await owner.folder('Before', folder.id);
      expect(await names(b, owner, folder.id)).toEqual(['Before']);
      expectStatus(await owner.patchFolder(inner.id, { new_name: 'After' }), 200);
      expect(await names(b, owner, folder.id)).toEqual(['After']);
    });

    it("refuses on B the recipient's very next request after the share was revoked on A", async () => {
      const owner = new SharingDrive(a, await registerAndLogin(a.http));
      const recipient = new SharingDrive(a, await registerAndLogin(a.http));
      const folder = await owner.folder('Shared');
      const share = await owner.share(folder, recipient, 'view');
      expect(await names(b, recipient, folder.id)).toEqual([]);
      expectStatus(await owner.deleteShare(share.id), 204);
      // The very request that was cached before (same query), now refused.
      const again = await b.http.get(`/drive/${folder.id}`).set(recipient.auth).query({ limit: 1000 });
      expectProblem(again, 404, 'folder_not_found');
    });

    it('refuses on B the next request of an account deleted on A', async () => {
      const gone = await registerAndLogin(a.http);
      const auth = { Authorization: `Bearer ${gone.token}` };
      expectStatus(await b.http.get('/verify-token').set(auth), 200);
      expectStatus(await b.http.get('/drive').set(auth), 200);
      expectStatus(await a.http.delete('/user').set(auth).send({ password: gone.password }), 204);
      expectProblem(await b.http.get('/verify-token').set(auth), 401, 'unauthorized');
      expectProblem(await b.http.get('/drive').set(auth), 401, 'unauthorized');
    });

    it('refuses on B a token logged out on A', async () => {
      const user = await registerAndLogin(a.http);
      const auth = { Authorization: `Bearer ${user.token}` };
      expectStatus(await b.http.get('/verify-token').set(auth), 200);
      expectStatus(await a.http.post('/logout').set(auth), 204);
      expectProblem(await b.http.get('/verify-token').set(auth), 401, 'unauthorized');
    });
  });
}
