import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INDEX = '<!doctype html><title>CloudDrive</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>';

/** The CSP's directives by name. */
function csp(header: string | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}

/** The API serving a web app's build (a stand-in for apps/web/dist, as `npm run build:web` lays it out). */
describe('the web app, served by the API', () => {
  const webDir = mkdtempSync(join(tmpdir(), 'clouddrive-web-'));
  let t: TestApp;

  beforeAll(async () => {
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'assets', 'index-Ab12Cd34.js'), 'console.log("app")');
    t = await startTestApp({ WEB_DIR: webDir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('answers a browser at / with the app, never cached, and any other client with the status JSON', async () => {
    const page = await t.http.get('/').set('Accept', HTML).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.vary).toMatch(/Accept/);
    expect(page.text).toBe(INDEX);

    const status = await t.http.get('/').set('Accept', 'application/json').expect(200);
    expect(status.body).toMatchObject({ name: 'CloudDrive', status: 'running' });
    expect(status.headers.vary).toMatch(/Accept/);
    expect((await t.http.get('/').expect(200)).body.status).toBe('running');
  });

  it.each([
    '/folders/2b1c7d1e-8a7e-4c55-9a62-3f8f3f0f4a11',
    '/shared',
    '/bin',
    '/account',
    '/signin',
    '/signup?next=/bin',
  ])('serves the app for a navigation to its page %s', async (path) => {
    const page = await t.http.get(path).set('Accept', HTML).expect(200);
    expect(page.text).toBe(INDEX);
  });

  it.each([
    '/drive',
    '/trash',
    '/share',
    '/shared-with-me',
    '/user',
    '/verify-token',
    '/file/x',
    '/sharedx',
    '/foldersx',
  ])('leaves the API path %s to the API, even for a browser', async (path) => {
    const res = await t.http.get(path).set('Accept', HTML);
    expect(res.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
  });

  it('sends a navigation by another loopback name to the one the embedded store signs for (uploads need one origin)', async () => {
    const port = new URL(t.config.storage.publicUrl).port;
    const moved = await t.http.get('/bin?view=grid').set('Host', `localhost:${port}`).set('Accept', HTML).expect(308);
    expect(moved.headers.location).toBe(`http://127.0.0.1:${port}/bin?view=grid`);
    await t.http.get('/').set('Host', `[::1]:${port}`).set('Accept', HTML).expect(308);
    // Not a loopback name: not ours to guess; an API call is never redirected.
    expect((await t.http.get('/bin').set('Host', 'drive.example.com').set('Accept', HTML).expect(200)).text).toBe(
      INDEX,
    );
    await t.http.get('/drive').set('Host', `localhost:${port}`).set('Accept', HTML).expect(401);
  });

  it('does not serve the app to a fetch (Accept without text/html) or to another method', async () => {
    await t.http.get('/bin').set('Accept', 'application/json').expect(404);
    const post = await t.http.post('/folders/x').set('Accept', HTML).send({});
    expect(post.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves hashed assets cached for a year, immutable', async () => {
    const asset = await t.http.get('/assets/index-Ab12Cd34.js').expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.text).toBe('console.log("app")');
    await t.http.get('/assets/missing-00000000.js').expect(404);
  });

  it('sends the app a strict CSP with no inline script or style, and Swagger UI its own', async () => {
    const app = csp((await t.http.get('/').set('Accept', HTML)).headers['content-security-policy']);
    expect(app['script-src']).toEqual(["'self'"]);
    expect(app['style-src']).toEqual(["'self'"]);
    expect(app['object-src']).toEqual(["'none'"]);
    expect(app['frame-ancestors']).toEqual(["'none'"]);
    // The embedded store's URLs are on PUBLIC_URL: the app may PUT to and show images from there.
    expect(app['connect-src']).toEqual(["'self'", t.config.storage.publicUrl]);
    expect(app['img-src']).toEqual(expect.arrayContaining(["'self'", t.config.storage.publicUrl]));

    const docs = csp((await t.http.get('/docs').expect(200)).headers['content-security-policy']);
    expect(docs['style-src']).toContain("'unsafe-inline'");
  });
});

describe('the API without a web app build', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WEB_DIR: join(tmpdir(), 'clouddrive-no-web-app-here') });
  });
  afterAll(() => t.close());

  it('starts, and answers a browser at / with the status JSON', async () => {
    const res = await t.http.get('/').set('Accept', HTML).expect(200);
    expect(res.body.status).toBe('running');
    await t.http.get('/bin').set('Accept', HTML).expect(404);
  });
});

describe('the CSP with S3 storage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      S3_BUCKET: 'drive-files',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'test-key',
      S3_SECRET_ACCESS_KEY: 'test-secret',
      WEB_DIR: join(tmpdir(), 'clouddrive-no-web-app-here'),
    });
  });
  afterAll(() => t.close());

  it('lets the app reach the bucket (uploads, downloads, previews) and nothing else', async () => {
    const policy = csp((await t.http.get('/health')).headers['content-security-policy']);
    expect(policy['connect-src']).toEqual(["'self'", 'http://127.0.0.1:9000']);
    expect(policy['img-src']).toEqual(["'self'", 'data:', 'http://127.0.0.1:9000']);
  });
});
