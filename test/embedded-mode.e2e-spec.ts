import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { newUserBody } from '@app/testing';
import { startServerProcess } from './support/server-process';

/** Every path under `dir` (itself included) whose mode lets the group or others in, with that mode. */
function openToOthers(dir: string): string[] {
  const stats = lstatSync(dir);
  const own = stats.mode & 0o077 ? [`${dir} ${(stats.mode & 0o777).toString(8)}`] : [];
  if (!stats.isDirectory()) return own;
  return [...own, ...readdirSync(dir).flatMap((entry) => openToOthers(join(dir, entry)))];
}

/** What a newcomer sees: `npm start` with nothing configured, stopped and started again. */
describe('the embedded mode, as a process', () => {
  // Each test starts a process with its own PGlite (a fresh database, at times two processes): 30 s is too
  // tight on a busy machine.
  jest.setTimeout(120_000);
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

  it('keeps everything under DATA_DIR to its owner: the database, its log, the secrets, the files', async () => {
    const privateDir = mkdtempSync(join(tmpdir(), 'clouddrive-private-'));
    // What an earlier version left: a data directory and a database file open to everyone.
    chmodSync(privateDir, 0o755);
    mkdirSync(join(privateDir, 'postgres'), { mode: 0o777 });
    chmodSync(join(privateDir, 'postgres'), 0o777);
    writeFileSync(join(privateDir, 'postgres', 'left-over'), 'old', { mode: 0o666 });
    chmodSync(join(privateDir, 'postgres', 'left-over'), 0o666);
    expect(openToOthers(privateDir)).toHaveLength(3);
    // The server inherits this umask: a permissive one, as a shell usually has, so only the server can tighten it.
    const umask = process.umask(0o022);
    const server = startServerProcess({ DATA_DIR: privateDir });
    process.umask(umask);
    try {
      const url = await server.url;
      const owner = newUserBody();
      await request(url).post('/user').send(owner).expect(201);
      const login = await request(url).post('/login').send({ username: owner.username, password: owner.password });
      const auth = { Authorization: `Bearer ${login.body.access_token}` };
      const content = Buffer.from('private bytes');
      const started = await request(url)
        .post('/file')
        .set(auth)
        .send({ file_name: 'notes.txt', file_size_in_bytes: content.length })
        .expect(201);
      const { upload } = started.body;
      // PORT=0: the URL names port 0 (PUBLIC_URL's default); the server is where it said it listens.
      const target = Object.assign(new URL(upload.url), { host: new URL(url).host });
      const put = await fetch(target, { method: 'PUT', headers: upload.headers, body: content });
      expect(put.status).toBe(200);
    } finally {
      await server.stop();
    }
    try {
      expect(readdirSync(privateDir).sort()).toEqual(expect.arrayContaining(['objects', 'postgres', 'secrets.json']));
      expect(readdirSync(join(privateDir, 'postgres')).length).toBeGreaterThan(10);
      expect(openToOthers(privateDir)).toEqual([]);
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
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
