import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET / names the service and its version', async () => {
    const res = await t.http.get('/').expect(200);
    expect(res.body).toEqual({ name: 'CloudDrive', status: 'running', version: t.config.app.version });
  });

  it('GET /health answers without a token', async () => {
    await t.http.get('/health').expect(200, { status: 'healthy' });
  });

  it('GET /health/ready reports the database and storage up', async () => {
    await t.http.get('/health/ready').expect(200, { status: 'ready', checks: { database: 'up', storage: 'up' } });
  });

  it('GET /health/ready is 503 when the database does not answer, while /health stays 200', async () => {
    const dataSource = t.app.get(DataSource);
    await dataSource.destroy();
    try {
      await t.http
        .get('/health/ready')
        .expect(503, { status: 'unavailable', checks: { database: 'down', storage: 'up' } });
      await t.http.get('/health').expect(200);
    } finally {
      await dataSource.initialize();
    }
  });

  it('GET /health/ready is 503 when storage cannot be written, and ready again once it can', async () => {
    // The embedded store keeps its objects in DATA_DIR/objects: a plain file in its place breaks it.
    const objects = join(t.config.dataDir, 'objects');
    rmSync(objects, { recursive: true, force: true });
    writeFileSync(objects, 'not a directory');
    try {
      await t.http
        .get('/health/ready')
        .expect(503, { status: 'unavailable', checks: { database: 'up', storage: 'down' } });
      await t.http.get('/health').expect(200);
    } finally {
      rmSync(objects, { force: true });
    }
    await t.http.get('/health/ready').expect(200, { status: 'ready', checks: { database: 'up', storage: 'up' } });
  });
});
