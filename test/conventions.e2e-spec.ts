import { Response, Test } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Account, registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { expectProblem } from './support/expectations';
import { sendRaw } from './support/raw-http';
import { FileDrive } from './support/drive-files';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MIB = 1024 * 1024;

/** A problem whose status is one of those allowed, with the code that status stands for. */
function expectClientProblem(res: Response, codeOfStatus: Record<number, string>): void {
  const allowed = Object.entries(codeOfStatus).map(([status, code]) => `${status} ${code}`);
  expect(`${res.status} ${res.body?.code}`).toMatch(new RegExp(`^(${allowed.join('|')})$`));
  expectProblem(res, res.status, codeOfStatus[res.status]);
}

function expectValidationOfBody(res: Response): void {
  expectProblem(res, 422, 'validation_failed');
  expect(res.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/\S/) }]);
}

const postJson = (http: TestAgent, path: string, raw: string): Test =>
  http.post(path).set('Content-Type', 'application/json').send(raw);

const nested = (depth: number, open: string, leaf: string, close: string): string =>
  `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

describe('request bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const res = await postJson(t.http, '/user', '{"username": "abc", ');
    expectClientProblem(res, { 400: 'malformed_request', 422: 'validation_failed' });
  });

  it('answers an empty body sent as JSON with a 4xx problem, not a 500', async () => {
    const res = await postJson(t.http, '/user', '');
    expectClientProblem(res, { 400: 'malformed_request', 422: 'validation_failed' });
  });

  it.each([
    ['an array', '[{"username":"abc"}]'],
    ['a string', '"abc"'],
    ['a number', '42'],
    ['a boolean', 'true'],
    ['null', 'null'],
  ])('refuses %s as the body with 422 naming the field "body"', async (_, raw) => {
    expectValidationOfBody(await postJson(t.http, '/user', raw));
  });

  it('refuses a JSON body over 1 MiB with 413 payload_too_large', async () => {
    const raw = JSON.stringify({ username: 'x'.repeat(1.1 * MIB), email: 'a@example.com', password: 'password' });
    expectProblem(await postJson(t.http, '/user', raw), 413, 'payload_too_large');
  });

  it('reads a JSON body just under 1 MiB, and judges it on its fields', async () => {
    const raw = JSON.stringify({ username: 'x'.repeat(MIB - 1024), email: 'a@example.com', password: 'password' });
    const res = await postJson(t.http, '/user', raw);
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'username', message: expect.any(String) }]);
  });

  it.each([
    ['text/plain', 'text/plain', '{"username":"abc"}'],
    ['XML', 'application/xml', '<user><username>abc</username></user>'],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nabc\r\n--x--',
    ],
  ])('refuses a %s body on POST /user with 415 unsupported_media_type', async (_, type, raw) => {
    const res = await t.http.post('/user').set('Content-Type', type).send(raw);
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it.each([
    ['an object', '/user', `{"username":${nested(10_000, '{"a":', '1', '}')}}`],
    ['an array', '/login', `{"username":${nested(10_000, '[', '', ']')},"password":"password"}`],
  ])('refuses %s nested 10 000 levels deep in a field of %s with a 4xx, not a 500', async (_, path, raw) => {
    const res = await postJson(t.http, path, raw);
    expectClientProblem(res, { 400: 'malformed_request', 413: 'payload_too_large', 422: 'validation_failed' });
  });
});

describe('routing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['GET', '/user/extra/segments'],
  ])('answers %s %s, a route that does not exist, with 404 route_not_found', async (method, path) => {
    const res = await t.http[method.toLowerCase() as 'get' | 'post'](path);
    expectProblem(res, 404, 'route_not_found');
  });

  it.each([
    ['PATCH', '/user'],
    ['GET', '/login'],
    ['PUT', '/verify-token'],
    ['PATCH', '/health'],
  ])('answers %s %s, a known path with the wrong method, with a 404 or 405 problem', async (method, path) => {
    const res = await t.http[method.toLowerCase() as 'delete' | 'get' | 'put' | 'patch'](path);
    expectClientProblem(res, { 404: 'route_not_found', 405: 'method_not_allowed' });
  });

  it('answers a path with broken percent-encoding with a 400 problem that carries X-Request-Id', async () => {
    const res = await t.http.get('/%ZZ');
    expectProblem(res, 400, 'malformed_request');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });
});

describe('request ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('gives every response a fresh UUID in X-Request-Id when the client sends none', async () => {
    const first = await t.http.get('/health').expect(200);
    const second = await t.http.get('/health').expect(200);
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it.each([
    ['a short one', 'abc-123'],
    ['one with dots, colons and underscores', 'req:2026.11.28_edge-7'],
    ['one of 128 characters', 'a'.repeat(128)],
  ])('echoes a sane X-Request-Id from the client (%s)', async (_, id) => {
    const res = await t.http.get('/health').set('X-Request-Id', id).expect(200);
    expect(res.headers['x-request-id']).toBe(id);
  });

  it.each([
    ['300 characters long', 'a'.repeat(300)],
    ['with a space', 'a b'],
    ['with a tab', 'a\tb'],
    ['with markup', '<script>x</script>'],
    ['with a semicolon and an equals sign', 'id;admin=1'],
  ])('replaces an unsafe X-Request-Id (%s) with a fresh UUID', async (_, id) => {
    const res = await t.http.get('/health').set('X-Request-Id', id).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it.each<[string, (http: TestAgent) => Test, number]>([
    ['a 404', (http) => http.get('/nope'), 404],
    ['a 401', (http) => http.get('/verify-token'), 401],
    ['a 422', (http) => http.post('/user').send({}), 422],
    ['a 400', (http) => postJson(http, '/user', '{'), 400],
    ['a 413', (http) => postJson(http, '/user', JSON.stringify({ a: 'x'.repeat(1.1 * MIB) })), 413],
    ['a 415', (http) => http.post('/user').set('Content-Type', 'application/xml').send('<a/>'), 415],
  ])('puts X-Request-Id on %s too, generated or echoed', async (_, send, status) => {
    const generated = await send(t.http);
    expect(generated.status).toBe(status);
    expect(generated.headers['x-request-id']).toMatch(UUID);
    const echoed = await send(t.http).set('X-Request-Id', 'trace-42');
    expect(echoed.status).toBe(status);
    expect(echoed.headers['x-request-id']).toBe('trace-42');
  });
});

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['a normal response', '/health', 200],
    ['an error response', '/nope', 404],
  ])('sets the helmet headers on %s and does not say what runs the server', async (_, path, status) => {
    const res = await t.http.get(path).expect(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    // /docs must work when self-hosted over plain HTTP: no forced upgrade to HTTPS.
    expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends no CORS headers when no CORS origin is configured', async () => {
    const simple = await t.http.get('/health').set('Origin', 'https://app.example.com').expect(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http
      .options('/user')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBeLessThan(500);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS set', () => {
  const allowed = 'https://app.example.com';
  const evil = 'https://evil.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: allowed });
  });
  afterAll(() => t.close());

  const preflight = (origin: string, method = 'POST') =>
    t.http
      .options('/user')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', 'authorization,content-type');

  it('allows a preflight from the configured origin, with the Authorization and Content-Type headers', async () => {
    const res = await preflight(allowed);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/authorization/);
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/content-type/);
  });

  it.each(['PUT', 'PATCH', 'DELETE'])(
    'lets the configured origin send %s requests (uploads, renames, deletes) after a preflight',
    async (method) => {
      const res = await preflight(allowed, method);
      expect(res.headers['access-control-allow-origin']).toBe(allowed);
      expect(res.headers['access-control-allow-methods']).toMatch(new RegExp(`\\b${method}\\b`));
    },
  );

  it('lets the configured origin read the response and its X-Request-Id', async () => {
    const res = await t.http.get('/health').set('Origin', allowed).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-expose-headers']).toMatch(/\bX-Request-Id\b/i);
  });

  it('puts X-Request-Id on the preflight answer too', async () => {
    const res = await preflight(allowed);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('does not allow another origin, in a preflight or a request', async () => {
    const res = await preflight(evil);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.http.get('/health').set('Origin', evil).expect(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('problem documents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each<[string, (http: TestAgent) => Test, number]>([
    ['malformed_request', (http) => postJson(http, '/user', '{'), 400],
    ['unauthorized', (http) => http.get('/verify-token'), 401],
    ['invalid_credentials', (http) => http.post('/login').send({ username: 'nobody', password: 'password' }), 401],
    ['route_not_found', (http) => http.get('/nope'), 404],
    ['payload_too_large', (http) => postJson(http, '/user', JSON.stringify({ a: 'x'.repeat(1.1 * MIB) })), 413],
    ['unsupported_media_type', (http) => http.post('/user').set('Content-Type', 'application/xml').send('<a/>'), 415],
    ['validation_failed', (http) => http.post('/user').send({ username: 'a' }), 422],
  ])(
    '%s: type urn:clouddrive:problem:<code>, a title, the HTTP status and a sentence as detail',
    async (code, send, status) => {
      const res = await send(t.http);
      expectProblem(res, status, code);
      expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
      expect(res.body.detail.split(' ').length).toBeGreaterThan(1);
    },
  );

  it('answers a 409 with a problem document too', async () => {
    const body = { username: 'dup_user', email: 'dup@example.com', password: 'password1' };
    await t.http.post('/user').send(body).expect(201);
    expectProblem(await t.http.post('/user').send(body), 409, 'credentials_in_use');
  });
});

describe('odd requests', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const json = (http: TestAgent, path: string, raw: string, type = 'application/json') =>
    http.post(path).set('Content-Type', type).send(raw);

  it.each<[string, (http: TestAgent) => Test]>([
    ['a NUL byte in the query', (http) => http.get('/health?q=%00')],
    ['broken percent-encoding in the query', (http) => http.get('/health?x=%E0%A4%A')],
    ['bracketed, repeated query keys', (http) => http.get('/health?a[b][c]=1&a[b][c]=2&a=3')],
    ['an 8 KB query string', (http) => http.get(`/health?q=${'x'.repeat(8 * 1024)}`)],
    ['an 8 KB path', (http) => http.get(`/${'a'.repeat(8 * 1024)}`)],
    ['an encoded path traversal', (http) => http.get('/..%2F..%2Fetc%2Fpasswd')],
    ['an emoji path', (http) => http.get('/%F0%9F%98%80')],
    ['a double slash', (http) => http.get('//health')],
    ['markup in the query', (http) => http.get('/verify-token?token=<script>alert(1)</script>')],
    [
      'JSON declared as latin1',
      (http) => json(http, '/user', '{"username":"abc"}', 'application/json; charset=latin1'),
    ],
    ['JSON declared as UTF-16', (http) => json(http, '/user', '{}', 'application/json; charset=utf-16')],
    ['a +json media type', (http) => json(http, '/user', '{}', 'application/vnd.api+json')],
    ['a byte-order mark before the JSON', (http) => json(http, '/user', '\uFEFF{}')],
    ['JSON followed by garbage', (http) => json(http, '/user', '{} trailing')],
    ['a gzip Content-Encoding on a plain body', (http) => json(http, '/user', '{}').set('Content-Encoding', 'gzip')],
    [
      'a Bearer token of 10 KB',
      (http) => http.get('/verify-token').set('Authorization', `Bearer ${'a'.repeat(10 * 1024)}`),
    ],
    ['a Bearer token of dots', (http) => http.get('/verify-token').set('Authorization', 'Bearer ....')],
    ['an object nested 1000 levels deep', (http) => json(http, '/user', nested(1000, '{"a":', '1', '}'))],
    ['an array nested 1000 levels deep', (http) => json(http, '/user', nested(1000, '[', '', ']'))],
    ['a field nested 1000 levels deep', (http) => json(http, '/login', `{"username":${nested(1000, '[', '', ']')}}`)],
    ['a __proto__ key', (http) => json(http, '/login', '{"__proto__":{"admin":true},"username":"a","password":"b"}')],
    ['a constructor.prototype key', (http) => json(http, '/login', '{"constructor":{"prototype":{"admin":true}}}')],
    [
      'a form with a repeated field',
      (http) => http.post('/login').type('form').send('username=a&username=b&password=c'),
    ],
    [
      'a form with a __proto__ field',
      (http) => http.post('/login').type('form').send('__proto__=x&username=a&password=b'),
    ],
    [
      '10 000 unknown fields',
      (http) => http.post('/user').send(Object.fromEntries([...Array(10_000).keys()].map((i) => [`f${i}`, i]))),
    ],
    ['a 1.1 MiB body to an unknown route', (http) => json(http, '/nope', JSON.stringify({ a: 'x'.repeat(1.1 * MIB) }))],
    ['an X-Request-Id of 10 KB', (http) => http.get('/health').set('X-Request-Id', 'r'.repeat(10 * 1024))],
    ['HEAD on a GET route', (http) => http.head('/health')],
    ['TRACE', (http) => http.trace('/health')],
  ])('answers %s with less than 500, and an X-Request-Id', async (_, send) => {
    const res = await send(t.http);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['x-request-id']).toMatch(/\S/);
  });
});

describe("what Node's HTTP parser refuses, before any route", () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp();
    url = await t.app.getUrl();
  });
  afterAll(() => t.close());

  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

  it.each<[string, string, number, string]>([
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'malformed_request'],
    [
      'a Content-Length that is not a number',
      head(['POST /user HTTP/1.1', 'Host: x', 'Content-Length: abc']),
      400,
      'malformed_request',
    ],
    [
      'both Content-Length and Transfer-Encoding (request smuggling)',
      head(['POST /user HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Transfer-Encoding: chunked']) + '0\r\n\r\n',
      400,
      'malformed_request',
    ],
    ['a space in a header name', head(['GET /health HTTP/1.1', 'Host: x', 'Bad Header: 1']), 400, 'malformed_request'],
    [
      'headers over 16 KiB',
      head(['GET /health HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20 * 1024)}`]),
      431,
      'headers_too_large',
    ],
    [
      'a chunk extension over 16 KiB',
      head(['POST /user HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: chunked']) +
        `2;${'a'.repeat(20 * 1024)}\r\n{}\r\n0\r\n\r\n`,
      413,
      'payload_too_large',
    ],
  ])('answers %s with a complete problem+json %i, and closes the connection', async (_, raw, status, code) => {
    const res = await sendRaw(url, raw);
    expectProblem(res, status, code);
    expect(res.headers['connection']).toBe('close');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('still serves the next connection normally', async () => {
    const res = await sendRaw(url, head(['GET /health HTTP/1.1', 'Host: x', 'Connection: close']));
    expect(res.status).toBe(200);
  });
});

describe('bad input that once reached a 500', () => {
  let t: TestApp;
  let owner: Account;
  let folderId: string;
  const auth = () => ({ Authorization: `Bearer ${owner.token}` });
  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerAndLogin(t.http);
    await registerAndLogin(t.http, { username: 'recipient' });
    const folder = await t.http.post('/drive').set(auth()).send({ folder_name: 'Shared' });
    expect(folder.status).toBe(201);
    folderId = folder.body.id;
  });
  afterAll(() => t.close());

  const unreadable = (res: Response, field: string) => {
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field, message: 'must not contain NUL or unpaired surrogate characters' }]);
  };

  it('refuses a NUL in the login username, as JSON and as a form', async () => {
    unreadable(await t.http.post('/login').send({ username: 'a\u0000b', password: 'password' }), 'username');
    unreadable(await t.http.post('/login').type('form').send('username=a%00b&password=password'), 'username');
  });

  it('refuses a NUL in the username of POST /share', async () => {
    const body = { share_object_type: 'folder', folder_id: folderId, username: 'recip\u0000ient', permission: 'view' };
    unreadable(await t.http.post('/share').set(auth()).send(body), 'username');
  });

  it('refuses a lone surrogate in the e-mail address of POST /user (raw JSON, as a client would send it)', async () => {
    const raw = '{"username":"surrogate","email":"a\\ud800@example.com","password":"password1"}';
    unreadable(await postJson(t.http, '/user', raw), 'email');
  });

  it('refuses a NUL in a query parameter', async () => {
    unreadable(await t.http.get('/shared-with-me?cursor=%00').set(auth()), 'cursor');
  });

  it.each([
    ['POST /profile-photo (an optional body)', '/profile-photo', nested(3000, '[', '', ']')],
    ['POST /drive', '/drive', nested(3000, '[', '', ']')],
    ['POST /file', '/file', nested(3000, '{"a":', 'null', '}')],
    ['POST /login (a public route)', '/login', nested(3000, '{"a":', 'null', '}')],
  ])('refuses JSON nested 3,000 deep on %s with a 422 on `body`', async (_, path, deep) => {
    const res = await t.http.post(path).set(auth()).set('Content-Type', 'application/json').send(`{"a":${deep}}`);
    expectValidationOfBody(res);
    expect(res.body.errors[0].message).toMatch(/nested/);
  });

  it.each(['file_id', 'folder_id'])('refuses "%s": null in POST /share with a 422 naming it', async (field) => {
    const body = {
      share_object_type: field === 'file_id' ? 'file' : 'folder',
      [field]: null,
      username: 'recipient',
      permission: 'view',
    };
    const res = await t.http.post('/share').set(auth()).send(body);
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(/UUID/) }]);
  });
});

describe('names that cannot deceive', () => {
  let t: TestApp;
  let drive: FileDrive;
  beforeAll(async () => {
    t = await startTestApp();
    drive = new FileDrive(t.http, await registerAndLogin(t.http));
  });
  afterAll(() => t.close());

  const INVISIBLE = /invisible or direction-changing/;
  const refusedAs = (res: Response, field: string, message: RegExp) => {
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  };
  const createFolder = (name: string) => t.http.post('/drive').set(drive.auth).send({ folder_name: name });
  let made = 0;

  it.each([
    ['a right-to-left override (rtl<U+202E>gpj.exe would show as rtlexe.jpg)', 'rtl\u202Egpj.exe', INVISIBLE],
    ['a right-to-left isolate', 'a\u2067b', INVISIBLE],
    ['a zero-width space', 'Photos\u200B', INVISIBLE],
    ['a byte-order mark inside the name', 'a\uFEFFb', INVISIBLE],
    ['an Arabic letter mark', 'a\u061Cb', INVISIBLE],
    ['a word joiner', 'a\u2060b', INVISIBLE],
    ['a C1 control', 'a\u0085b', /control characters/],
  ])('refuses %s in every name a client gives, with a 422', async (_, name, message) => {
    refusedAs(await createFolder(name), 'folder_name', message);
    refusedAs(await drive.requestUpload({ file_name: name, file_size_in_bytes: 1 }), 'file_name', message);
    const batch = await drive.requestUploads([{ file_name: name, file_size_in_bytes: 1 }]);
    expect(batch.status).toBe(200);
    expect(batch.body.results[0]).toMatchObject({ index: 0, status: 422, error: { code: 'validation_failed' } });
    expect(batch.body.results[0].error.errors).toEqual([
      { field: 'file_name', message: expect.stringMatching(message) },
    ]);
    const folder = await drive.folder(`Renamed ${++made}`);
    refusedAs(await t.http.patch(`/drive/${folder.id}`).set(drive.auth).send({ new_name: name }), 'new_name', message);
    const { file } = await drive.startUpload(`File ${made}.png`, 1);
    refusedAs(await drive.patch(file.id, { file_name: name }), 'file_name', message);
  });

  it('accepts what shows as it is: right-to-left scripts, emoji and their ZWJ sequences', async () => {
    for (const name of ['שלום', 'تقرير.pdf', '👨\u200D👩\u200D👧 photos', '写真']) {
      expect((await drive.folder(name)).name).toBe(name);
    }
    const { file } = await drive.startUpload('👩🏽\u200D💻 work.png', 1);
    expect(file.name).toBe('👩🏽\u200D💻 work.png');
  });

  it('compares names in NFC on rename too: a decomposed é takes the name of its composed sibling', async () => {
    await drive.folder('Caf\u00e9 notes');
    const other = await drive.folder('Other notes');
    const res = await t.http.patch(`/drive/${other.id}`).set(drive.auth).send({ new_name: 'Cafe\u0301 notes' });
    expectProblem(res, 409, 'folder_name_conflict');
    const renamed = await t.http.patch(`/drive/${other.id}`).set(drive.auth).send({ new_name: 'Cafe\u0301 menu' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Caf\u00e9 menu');
  });

  it('refuses an e-mail address with invisible or direction-changing characters (others see it)', async () => {
    for (const email of ['moc.elpmaxe@\u202Eeve.com', 'a\u200Bb@example.com', 'ab@exa\u2066mple.com']) {
      const res = await t.http.post('/user').send({ username: 'trickster', email, password: 'password1' });
      refusedAs(res, 'email', INVISIBLE);
    }
  });

  it('usernames are plain ASCII already: a bidi control in one is refused by its pattern', async () => {
    const res = await t.http
      .post('/user')
      .send({ username: 'ab\u202Ecd', email: 'ab@example.com', password: 'password1' });
    refusedAs(res, 'username', /letters, digits/);
  });
});
