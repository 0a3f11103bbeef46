import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { newUserBody } from '@app/testing';
import { startServerProcess } from './support/server-process';

/** What a newcomer sees: `npm start` with nothing configured, stopped and started again. */
describe('the embedded mode, as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-embedded-'));
  const user = newUserBody();
  let token: string;

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with no configuration, generates and keeps its secrets, and serves accounts', async () => {
    const server = startServerProcess({ DATA_DIR: dataDir });
    try {
      const url = await server.url;
      await request(url).get('/health').expect(200);
      await request(url).post('/user').send(user).expect(201);
      const login = await request(url)
        .post('/login')
        .type('form')
        .send({ username: user.email, password: user.password });
      expect(login.status).toBe(200);
      token = login.body.access_token;

      const secrets = join(dataDir, 'secrets.json');
      expect(statSync(secrets).mode & 0o777).toBe(0o600);
      expect(Object.keys(JSON.parse(readFileSync(secrets, 'utf8'))).sort()).toEqual(['JWT_SECRET', 'LAMBDA_SECRET']);
      expect(server.output()).toContain('Generated JWT_SECRET and LAMBDA_SECRET');
      expect(existsSync(join(dataDir, 'postgres.lock'))).toBe(true);

      // A second process on the same data directory would corrupt it: it must refuse to start.
      const intruder = startServerProcess({ DATA_DIR: dataDir });
      expect(await intruder.exited).not.toBe(0);
      expect(intruder.output()).toMatch(/in use by process \d+/);
      await request(url).get('/health/ready').expect(200);
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dataDir, 'postgres.lock'))).toBe(false);
  });

  it('keeps the accounts and the secrets across a restart', async () => {
    const server = startServerProcess({ DATA_DIR: dataDir });
    try {
      const url = await server.url;
      expect(server.output()).not.toContain('Generated');
      const verified = await request(url).get('/verify-token').auth(token, { type: 'bearer' }).expect(200);
      expect(verified.body.username).toBe(user.username);
      await request(url).post('/login').send({ username: user.username, password: user.password }).expect(200);
      await request(url).post('/user').send(user).expect(409);
    } finally {
      await server.stop();
    }
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'postgres://localhost/x' }, /JWT_SECRET must be set[\s\S]*LAMBDA_SECRET must be set/],
  ])('refuses to start on a wrong configuration (%j), naming the variable', async (env, message) => {
    const server = startServerProcess({ DATA_DIR: dataDir, ...env });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(message);
  });
});
