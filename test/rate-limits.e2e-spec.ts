import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Response } from 'supertest';
import { readTestEnvironment } from '@app/config';
import { newUserBody } from '@app/testing';
import { expectProblem, expectStatus } from './support/expectations';
import { startTestApp, TestApp } from './support/test-app';

/** Tight budgets, so that a few requests spend them. */
const TIGHT = {
  RATE_LIMIT_API: '60/60',
  RATE_LIMIT_STORAGE: '300/60',
  RATE_LIMIT_LOGIN: '3/60',
  RATE_LIMIT_LOGIN_ACCOUNT: '4/60',
  RATE_LIMIT_REGISTER: '2/3600',
  RATE_LIMIT_UPLOAD: '2/60',
};

type Items = Map<string, Record<string, number>>;

/** A RateLimit or RateLimit-Policy field: its items by name, each with its integer parameters. */
function parseList(field: string | undefined): Items {
  expect(field).toBeDefined();
  const items: Items = new Map();
  for (const member of field!.split(',')) {
    const [name, ...params] = member.trim().split(';');
    expect(name).toMatch(/^"[a-z-]+"$/);
    items.set(
      name.slice(1, -1),
      Object.fromEntries(params.map((param) => param.split('=')).map(([key, value]) => [key, Number(value)])),
    );
  }
  return items;
}

/** The budgets a response reports, checked against each other: same names, remaining within quota, reset within window. */
function budgetsOf(res: Response): Map<string, { q: number; w: number; r: number; t: number }> {
  const policies = parseList(res.headers['ratelimit-policy']);
  const current = parseList(res.headers['ratelimit']);
  expect([...current.keys()]).toEqual([...policies.keys()]);
  const budgets = new Map<string, { q: number; w: number; r: number; t: number }>();
  for (const [name, { q, w }] of policies) {
    const { r, t } = current.get(name)!;
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(q);
    expect(t).toBeGreaterThanOrEqual(1);
    expect(t).toBeLessThanOrEqual(w);
    budgets.set(name, { q, w, r, t });
  }
  return budgets;
}

/** A 429 for the spent budget `policy`: problem+json, Retry-After, and the RateLimit fields saying the same. */
function expectLimited(res: Response, policy: string): void {
  expectProblem(res, 429, 'too_many_requests');
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  const spent = budgetsOf(res).get(policy);
  expect(spent).toMatchObject({ r: 0, t: Number(retryAfter) });
}

let lastAddress = 0;
/** A client address of its own (TEST-NET-3), so that each case starts with whole budgets. */
const newAddress = (): string => `203.0.113.${++lastAddress}`;

describe('rate limits, in memory, behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...TIGHT, TRUST_PROXY: 'true', CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => t.close());

  const login = (from: string, username: string, password: string) =>
    t.http.post('/login').set('X-Forwarded-For', from).send({ username, password });
  const register = async (from: string) => {
    const body = newUserBody();
    expectStatus(await t.http.post('/user').set('X-Forwarded-For', from).send(body), 201);
    return body;
  };

  it('answers 429 after N logins from one address, whoever they were for, and counts each address apart', async () => {
    const attacker = newAddress();
    for (let i = 0; i < 3; i++) {
      const res = await login(attacker, `nobody_${i}_${randomUUID()}`, 'guess');
      expectProblem(res, 401, 'invalid_credentials');
      expect(budgetsOf(res).get('login')).toMatchObject({ q: 3, w: 60, r: 2 - i });
    }
    expectLimited(await login(attacker, `nobody_${randomUUID()}`, 'guess'), 'login');
    expectProblem(await login(newAddress(), `nobody_${randomUUID()}`, 'guess'), 401, 'invalid_credentials');
  });

  it('does not give the address its budget back for a login that succeeds, and refuses the right password after', async () => {
    const from = newAddress();
    const user = await register(newAddress());
    expectProblem(await login(from, user.username, 'wrong password'), 401, 'invalid_credentials');
    expectStatus(await login(from, user.username, user.password), 200);
    expectProblem(await login(from, user.username, 'wrong again'), 401, 'invalid_credentials');
    expectLimited(await login(from, user.username, user.password), 'login');
  });

  it('answers 429 after N wrong passwords for one account from many addresses, even to the right password', async () => {
    const victim = await register(newAddress());
    // By username and by e-mail address alike: one account, one budget.
    for (const name of [victim.username, victim.email, victim.username.toUpperCase(), victim.email]) {
      expectProblem(await login(newAddress(), name, 'wrong password'), 401, 'invalid_credentials');
    }
    const refused = await login(newAddress(), victim.username, victim.password);
    expectLimited(refused, 'login-account');
    expect(refused.body).not.toHaveProperty('access_token');
    // Another account is untouched.
    const other = await register(newAddress());
    expectStatus(await login(newAddress(), other.username, other.password), 200);
  });

  it('lets an account log in again and again with the right password (a success gives its point back)', async () => {
    const user = await register(newAddress());
    for (let i = 0; i < 6; i++) expectStatus(await login(newAddress(), user.email, user.password), 200);
  });

  it('limits an unknown login name as it would an account, so a 429 tells nobody who exists', async () => {
    const name = `nobody_${randomUUID()}`;
    for (let i = 0; i < 4; i++) expectProblem(await login(newAddress(), name, 'guess'), 401, 'invalid_credentials');
    expectLimited(await login(newAddress(), name, 'guess'), 'login-account');
  });

  it('reports the API budget on every response and counts it down; /health is not counted', async () => {
    const from = newAddress();
    const first = await t.http.get('/health/ready').set('X-Forwarded-For', from);
    const second = await t.http.get('/nowhere').set('X-Forwarded-For', from);
    expectProblem(second, 404, 'route_not_found');
    expect(budgetsOf(first).get('api')).toMatchObject({ q: 60, w: 60, r: 59 });
    expect(budgetsOf(second).get('api')).toMatchObject({ r: 58 });
    expect([...budgetsOf(second).keys()]).toEqual(['api']);

    const health = await t.http.get('/health').set('X-Forwarded-For', from).expect(200);
    expect(health.headers['ratelimit']).toBeUndefined();
    expect(budgetsOf(await t.http.get('/').set('X-Forwarded-For', from)).get('api')).toMatchObject({ r: 57 });
  });

  it('answers 429 once the API budget is spent, on any route, and not to the workers (the internal secret)', async () => {
    const from = newAddress();
    for (let i = 0; i < 60; i++) expectStatus(await t.http.get('/verify-token').set('X-Forwarded-For', from), 401);
    expectLimited(await t.http.get('/verify-token').set('X-Forwarded-For', from), 'api');
    expectLimited(await t.http.get('/').set('X-Forwarded-For', from), 'api');
    expectLimited(await t.http.post('/confirm-file-upload').set('X-Forwarded-For', from).send({}), 'api');

    // A web app on another origin can read the 429 and its fields; its preflights are not counted.
    const fromApp = await t.http.get('/drive').set('X-Forwarded-For', from).set('Origin', 'https://app.example');
    expectLimited(fromApp, 'api');
    expect(fromApp.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(fromApp.headers['access-control-expose-headers']).toMatch(/Retry-After.*RateLimit.*RateLimit-Policy/);
    const preflight = await t.http
      .options('/drive')
      .set('X-Forwarded-For', from)
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET');
    expectStatus(preflight, 204);

    const worker = await t.http
      .post('/confirm-file-upload')
      .set('X-Forwarded-For', from)
      .set('X-Lambda-Secret', t.config.auth.lambdaSecret)
      .send({});
    expectProblem(worker, 422, 'validation_failed');
    expect(worker.headers['ratelimit']).toBeUndefined();
  });

  it('allows N registrations per address, then 429', async () => {
    const from = newAddress();
    await register(from);
    await register(from);
    const res = await t.http.post('/user').set('X-Forwarded-For', from).send(newUserBody());
    expectLimited(res, 'register');
    expect(budgetsOf(res).get('api')).toMatchObject({ r: 57 });
  });

  it('allows N upload requests (POST /file, /files, /profile-photo) per address, then 429', async () => {
    const from = newAddress();
    const owner = await loginFrom(newAddress());
    const post = (path: string, body: object) =>
      t.http.post(path).set('X-Forwarded-For', from).set('Authorization', `Bearer ${owner.token}`).send(body);
    expectStatus(await post('/file', { file_name: 'a.txt', file_size_in_bytes: 3 }), 201);
    const batch = await post('/files', { files: [{ file_name: 'b.txt', file_size_in_bytes: 3 }] });
    expectStatus(batch, 200);
    expect(budgetsOf(batch).get('upload')).toMatchObject({ q: 2, r: 0 });
    expectLimited(await post('/profile-photo', { photo_size_in_bytes: 3, content_type: 'image/png' }), 'upload');
    expectLimited(await post('/file', { file_name: 'c.txt', file_size_in_bytes: 3 }), 'upload');
  });

  it("lets a browser's batch of 100 uploads through: 1 POST /files and 100 PUTs, counted apart from the API", async () => {
    const from = newAddress();
    const owner = await loginFrom(from);
    const files = Array.from({ length: 100 }, (_, i) => ({ file_name: `f${i}.txt`, file_size_in_bytes: 2 }));
    const batch = await t.http
      .post('/files')
      .set('X-Forwarded-For', from)
      .set('Authorization', `Bearer ${owner.token}`)
      .send({ files });
    expectStatus(batch, 200);
    const apiLeft = budgetsOf(batch).get('api')!.r;
    for (const result of batch.body.results as { status: number; upload: { url: string; headers: object } }[]) {
      expect(result.status).toBe(201);
      const url = new URL(result.upload.url);
      const put = await t.http
        .put(url.pathname + url.search)
        .set('X-Forwarded-For', from)
        .set(result.upload.headers as Record<string, string>)
        .send(Buffer.from('hi'));
      expectStatus(put, 200);
      expect([...budgetsOf(put).keys()]).toEqual(['storage']);
    }
    const after = await t.http.get('/drive').set('X-Forwarded-For', from).set('Authorization', `Bearer ${owner.token}`);
    expectStatus(after, 200);
    expect(budgetsOf(after).get('api')!.r).toBe(apiLeft - 1);
  });

  /** Registers (from an address of its own) and logs in from `from`. */
  async function loginFrom(from: string): Promise<{ token: string }> {
    const user = await register(newAddress());
    const res = await login(from, user.username, user.password);
    expectStatus(res, 200);
    return { token: res.body.access_token };
  }
});

describe('rate limits without TRUST_PROXY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...TIGHT, TRUST_PROXY: 'false' });
  });
  afterAll(() => t.close());

  it('ignores X-Forwarded-For: every login from this socket counts against one address', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.http
        .post('/login')
        .set('X-Forwarded-For', newAddress())
        .send({ username: `nobody_${randomUUID()}`, password: 'guess' });
      expectProblem(res, 401, 'invalid_credentials');
    }
    const res = await t.http
      .post('/login')
      .set('X-Forwarded-For', newAddress())
      .send({ username: `nobody_${randomUUID()}`, password: 'guess' });
    expectLimited(res, 'login');
  });
});

describe('rate limits behind the proxies TRUST_PROXY lists', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The test's requests come from 127.0.0.1: that is the listed proxy (a load balancer that appends the address
    // it saw to X-Forwarded-For).
    t = await startTestApp({ ...TIGHT, TRUST_PROXY: 'loopback' });
  });
  afterAll(() => t.close());

  it('reads the address the proxy saw, whatever the client put before it in X-Forwarded-For', async () => {
    const client = newAddress();
    for (let i = 0; i < 3; i++) {
      const spoofed = `198.51.100.${i + 1}, ${client}`;
      const res = await t.http
        .post('/login')
        .set('X-Forwarded-For', spoofed)
        .send({ username: `nobody_${i}`, password: 'x' });
      expectProblem(res, 401, 'invalid_credentials');
    }
    const res = await t.http
      .post('/login')
      .set('X-Forwarded-For', `198.51.100.99, ${client}`)
      .send({ username: 'n', password: 'x' });
    expectLimited(res, 'login');
    // Another client behind the same proxy has a budget of its own.
    const other = await t.http
      .post('/login')
      .set('X-Forwarded-For', newAddress())
      .send({ username: 'n', password: 'x' });
    expectProblem(other, 401, 'invalid_credentials');
  });
});

describe('rate limits switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...TIGHT, RATE_LIMITS_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('never answers 429 and sends no RateLimit fields', async () => {
    const name = `nobody_${randomUUID()}`;
    for (let i = 0; i < 6; i++) {
      const res = await t.http.post('/login').send({ username: name, password: 'guess' });
      expectProblem(res, 401, 'invalid_credentials');
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
  });
});

// Against a real Redis only when TEST_REDIS_URL names one (.ci/run does): without it these cases do not exist.
const { redisUrl } = readTestEnvironment();
for (const url of redisUrl ? [redisUrl] : []) {
  describe('rate limits shared in Redis by two API instances', () => {
    const prefix = `clouddrive-test:${randomUUID()}:`;
    const env = { ...TIGHT, REDIS_URL: url, RATE_LIMIT_REDIS_PREFIX: prefix, TRUST_PROXY: 'true' };
    let a: TestApp;
    let b: TestApp;
    let redis: Redis;
    beforeAll(async () => {
      redis = new Redis(url);
      a = await startTestApp(env);
      b = await startTestApp(env);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    const login = (t: TestApp, from: string, username: string) =>
      t.http.post('/login').set('X-Forwarded-For', from).send({ username, password: 'guess' });

    it('counts logins from one address on either instance against one budget', async () => {
      const from = newAddress();
      expectProblem(await login(a, from, `nobody_${randomUUID()}`), 401, 'invalid_credentials');
      expectProblem(await login(b, from, `nobody_${randomUUID()}`), 401, 'invalid_credentials');
      const third = await login(a, from, `nobody_${randomUUID()}`);
      expect(budgetsOf(third).get('login')).toMatchObject({ r: 0 });
      expectLimited(await login(b, from, `nobody_${randomUUID()}`), 'login');
      expect(await redis.keys(`${prefix}login:*`)).not.toHaveLength(0);
    });

    it('counts attempts on one account on either instance against one budget', async () => {
      const name = `nobody_${randomUUID()}`;
      for (const t of [a, b, a, b]) expectProblem(await login(t, newAddress(), name), 401, 'invalid_credentials');
      expectLimited(await login(a, newAddress(), name), 'login-account');
      expectLimited(await login(b, newAddress(), name), 'login-account');
    });
  });
}
