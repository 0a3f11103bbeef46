import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError, decodeS3Key, S3EventRecord } from '@app/contracts';
import { startTestApp, TestApp } from '../../../../test/support/test-app';
import { ContractSubject, objectStorageContract, Refusal, sleep } from '../object-storage.contract';
import { ObjectStorage } from '../object-storage';
import { InvalidObjectKeyError, LocalObjectStorage } from './local-object-storage';

const MIB = 1024 * 1024;

/** How the API's /storage routes answer each misuse: problem+json with a stable code. */
const LOCAL_REFUSALS: Record<Refusal, { status: number; code: string }> = {
  tampered_key: { status: 403, code: 'upload_url_invalid' },
  tampered_signature: { status: 403, code: 'upload_url_invalid' },
  expired: { status: 403, code: 'upload_url_expired' },
  body_too_big: { status: 400, code: 'upload_size_mismatch' },
  body_too_small: { status: 400, code: 'upload_size_mismatch' },
  other_content_type: { status: 400, code: 'upload_content_type_mismatch' },
  download_tampered: { status: 403, code: 'download_url_invalid' },
  download_expired: { status: 403, code: 'download_url_expired' },
  used_url: { status: 412, code: 'upload_already_received' },
};

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as { detail: string };
  expect(body).toMatchObject({ type: `urn:clouddrive:problem:${code}`, status, code });
  expect(body.detail).toMatch(/^\S.*\.$/);
}

/** Polls until `check` passes (or its last failure, after `ms`). */
async function eventually(check: () => void | Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly the given headers and body chunks (fetch would fix Content-Length itself). */
function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  chunks: Buffer[] = [],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('LocalObjectStorage, through the API and its /storage routes', () => {
  let t: TestApp;
  let storage: LocalObjectStorage;
  const announced: S3EventRecord[] = [];

  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: String(MIB) });
    storage = t.app.get(LocalObjectStorage);
    storage.onObjectCreated((record) => {
      announced.push(record);
    });
  });
  afterAll(() => t?.close());

  const subject: ContractSubject = {
    get storage(): ObjectStorage {
      return storage;
    },
    async expectRefused(response: Response, refusal: Refusal): Promise<void> {
      const expected = LOCAL_REFUSALS[refusal];
      await expectProblem(response, expected.status, expected.code);
    },
  };

  objectStorageContract(() => subject);

  it('is the ObjectStorage of the API, keeping its objects under DATA_DIR/objects', () => {
    expect(t.app.get(ObjectStorage)).toBe(storage);
    expect(storage.dir).toBe(join(t.config.dataDir, 'objects'));
  });

  async function presignPut(key: string, body: Buffer, contentType = 'application/octet-stream') {
    return storage.presignUpload({ key, sizeBytes: body.length, contentType, expiresInSeconds: 60 });
  }

  const tempFiles = (): string[] => {
    const temp = join(storage.dir, '.tmp');
    return existsSync(temp) ? readdirSync(temp) : [];
  };

  describe('announcements', () => {
    it('announces a completed upload once, as an S3 event record, after the object is in place', async () => {
      const key = `files/announce/${randomBytes(4).toString('hex')} my file.bin`;
      const body = randomBytes(1000);
      const seen: Array<{ record: S3EventRecord; stored: boolean }> = [];
      const stop = storage.onObjectCreated(async (record) => {
        seen.push({ record, stored: (await storage.head(key)) !== null });
      });
      try {
        const upload = await presignPut(key, body);
        const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
        expect(res.status).toBe(200);
        expect(res.headers.get('etag')).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
        await eventually(() => expect(seen).toHaveLength(1));
      } finally {
        stop();
      }
      const [{ record, stored }] = seen;
      expect(stored).toBe(true);
      expect(record).toMatchObject({
        eventName: 'ObjectCreated:Put',
        eventSource: 'aws:s3',
        s3: { bucket: { name: 'local' }, object: { size: 1000, eTag: createHash('md5').update(body).digest('hex') } },
      });
      // Encoded as AWS encodes it: a space is a `+`.
      expect(record.s3.object.key).toContain('+my+file.bin');
      expect(decodeS3Key(record.s3.object.key)).toBe(key);
      expect(new Date(record.eventTime).toISOString()).toBe(record.eventTime);
      expect(announced.filter((r) => decodeS3Key(r.s3.object.key) === key)).toHaveLength(1);
    });

    it('announces nothing for refused uploads', async () => {
      const key = 'files/announce/refused';
      const body = randomBytes(100);
      const upload = await presignPut(key, body);
      const before = announced.length;
      const wrongSize = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'Content-Type': upload.headers['Content-Type'] },
        body: randomBytes(101),
      });
      expect(wrongSize.status).toBe(400);
      const wrongType = await fetch(upload.url, {
        method: 'PUT',
        headers: { ...upload.headers, 'Content-Type': 'text/plain' },
        body,
      });
      expect(wrongType.status).toBe(400);
      const forged = await fetch(upload.url.replace(/sig=[0-9a-f]+/, `sig=${'0'.repeat(64)}`), {
        method: 'PUT',
        headers: upload.headers,
        body,
      });
      expect(forged.status).toBe(403);
      await sleep(50);
      expect(announced.length).toBe(before);
      expect(await storage.head(key)).toBeNull();
    });

    it('announces objects written directly (the worker writes previews)', async () => {
      const before = announced.length;
      await storage.write('previews/announce/p', Buffer.from('webp'), 'image/webp');
      expect(announced.slice(before).map((r) => decodeS3Key(r.s3.object.key))).toEqual(['previews/announce/p']);
    });
  });

  describe('a client that goes away mid-upload', () => {
    it('leaves no object, no temporary file and no announcement', async () => {
      const key = 'files/aborted/upload';
      const size = 512 * 1024;
      const upload = await presignPut(key, randomBytes(size));
      const before = announced.length;
      const req = httpRequest(upload.url, { method: 'PUT', headers: upload.headers });
      req.on('error', () => undefined);
      req.write(randomBytes(128 * 1024));
      try {
        // The server is receiving: the bytes so far are in a temporary file, invisible as an object.
        await eventually(() => expect(tempFiles().length).toBeGreaterThan(0));
        expect(await storage.head(key)).toBeNull();
        expect((await storage.list('files/aborted/')).objects).toEqual([]);
      } finally {
        req.destroy();
      }
      await eventually(() => expect(tempFiles()).toEqual([]));
      expect(await storage.head(key)).toBeNull();
      expect(announced.length).toBe(before);
      // And the API is fine.
      await t.http.get('/health').expect(200);
    });
  });

  describe('the upload route', () => {
    it('refuses a body without Content-Length with 411 upload_length_required, storing nothing', async () => {
      const key = 'files/route/chunked';
      const body = randomBytes(100);
      const upload = await presignPut(key, body);
      const res = await rawRequest(
        upload.url,
        'PUT',
        { 'Content-Type': upload.headers['Content-Type'], 'Transfer-Encoding': 'chunked' },
        [body],
      );
      expect(res.status).toBe(411);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'upload_length_required', status: 411 });
      expect(await storage.head(key)).toBeNull();
    });

    it('refuses a body over MAX_UPLOAD_BYTES with 413 before reading it, and closes the connection', async () => {
      const key = 'files/route/too-large';
      const upload = await storage.presignUpload({
        key,
        sizeBytes: MIB + 1,
        contentType: 'application/octet-stream',
        expiresInSeconds: 60,
      });
      // Nothing of the body is sent: the answer comes from the headers alone.
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const req = httpRequest(upload.url, { method: 'PUT', headers: upload.headers }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
      expect(await storage.head(key)).toBeNull();
    });

    it('refuses a URL without its signature or expiry with 403 upload_url_invalid', async () => {
      const res = await fetch(`${t.config.storage.publicUrl}/storage/files/route/bare`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: 'abc',
      });
      await expectProblem(res, 403, 'upload_url_invalid');
    });

    it('refuses a path that is not percent-encoded UTF-8 with 400 malformed_request', async () => {
      const res = await fetch(`${t.config.storage.publicUrl}/storage/files/%E0%A4%A?expires=1&sig=x`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: 'abc',
      });
      await expectProblem(res, 400, 'malformed_request');
    });

    it('answers a failure of the disk with a 500 problem, leaving no temporary file', async () => {
      await storage.write('files/route/plain', Buffer.from('a file'), 'text/plain');
      // A key below an object cannot be a path on disk.
      const body = Buffer.from('abc');
      const upload = await presignPut('files/route/plain/below', body, 'text/plain');
      const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      await expectProblem(res, 500, 'internal_error');
      expect(tempFiles()).toEqual([]);
    });

    it.each([
      ['application/json', '{"not": "parsed'],
      ['text/plain', 'plain text'],
      ['multipart/form-data; boundary=x', '--x\r\nnot really multipart'],
      ['application/x-www-form-urlencoded', 'a=1&b=2'],
    ])('stores a %s body byte for byte, never parsing it', async (contentType, text) => {
      const key = `files/route/typed-${createHash('md5').update(contentType).digest('hex')}`;
      const body = Buffer.from(text);
      const upload = await presignPut(key, body, contentType);
      const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      expect(res.status).toBe(200);
      expect(await storage.read(key)).toEqual(body);
      expect(await storage.head(key)).toMatchObject({ contentType });
    });
  });

  describe('the download route', () => {
    const key = 'files/route/download';
    const body = Buffer.from('0123456789');
    beforeAll(() => storage.write(key, body, 'text/plain'));

    const downloadUrl = async (contentType?: string): Promise<string> =>
      (await storage.presignDownload({ key, fileName: 'notes.txt', contentType, expiresInSeconds: 60 })).url;

    it.each([
      ['bytes=0-0', 206, '0', 'bytes 0-0/10'],
      ['bytes=7-', 206, '789', 'bytes 7-9/10'],
      ['bytes=-3', 206, '789', 'bytes 7-9/10'],
      ['bytes=8-100', 206, '89', 'bytes 8-9/10'],
      ['bytes=0-1,4-5', 200, '0123456789', null],
      ['bytes=5-2', 200, '0123456789', null],
      ['items=0-1', 200, '0123456789', null],
    ])('answers Range %s with %i', async (range, status, text, contentRange) => {
      const res = await fetch(await downloadUrl(), { headers: { Range: range } });
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(text);
      expect(res.headers.get('content-range')).toBe(contentRange);
      expect(res.headers.get('content-length')).toBe(String(text.length));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
    });

    it.each(['bytes=10-', 'bytes=-0'])('answers the unsatisfiable Range %s with 416 and the size', async (range) => {
      const res = await fetch(await downloadUrl(), { headers: { Range: range } });
      expect(res.headers.get('content-range')).toBe('bytes */10');
      await expectProblem(res, 416, 'range_not_satisfiable');
    });

    it('sends the headers a browser needs, and no body to HEAD', async () => {
      const url = await downloadUrl('text/markdown');
      const res = await fetch(url);
      expect(await res.text()).toBe('0123456789');
      expect(res.headers.get('content-type')).toBe('text/markdown');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`,
      );
      expect(res.headers.get('etag')).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(res.headers.get('x-request-id')).toMatch(/\S/);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('10');
      expect(await head.text()).toBe('');
    });

    it('refuses a URL whose disposition or type was changed', async () => {
      const url = new URL(await downloadUrl('text/plain'));
      const disposition = new URL(url);
      disposition.searchParams.set('disposition', 'inline');
      await expectProblem(await fetch(disposition), 403, 'download_url_invalid');
      const type = new URL(url);
      type.searchParams.set('type', 'text/html');
      await expectProblem(await fetch(type), 403, 'download_url_invalid');
      const untyped = new URL(url);
      untyped.searchParams.delete('type');
      await expectProblem(await fetch(untyped), 403, 'download_url_invalid');
    });

    it('serves a URL pinned to an ETag only while the object has it', async () => {
      const pinned = 'files/route/pinned';
      await storage.write(pinned, Buffer.from('confirmed'), 'text/plain');
      const etag = (await storage.head(pinned))!.etag;
      const url = (await storage.presignDownload({ key: pinned, fileName: 'p', expiresInSeconds: 60, etag })).url;
      expect(await (await fetch(url)).text()).toBe('confirmed');
      const unpinned = new URL(url);
      unpinned.searchParams.delete('etag');
      await expectProblem(await fetch(unpinned), 403, 'download_url_invalid');

      await storage.write(pinned, Buffer.from('rewritten'), 'text/plain');
      await expectProblem(await fetch(url), 404, 'object_not_found');
    });

    it('answers 404 object_not_found once the object is gone', async () => {
      const gone = 'files/route/gone';
      await storage.write(gone, Buffer.from('x'), 'text/plain');
      const url = (await storage.presignDownload({ key: gone, fileName: 'x', expiresInSeconds: 60 })).url;
      await storage.delete([gone]);
      await expectProblem(await fetch(url), 404, 'object_not_found');
    });
  });
});

describe('LocalObjectStorage on its own', () => {
  let dir: string;
  let storage: LocalObjectStorage;
  const errors: unknown[] = [];
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'clouddrive-local-')), 'objects');
    errors.length = 0;
    storage = new LocalObjectStorage({
      dir,
      publicUrl: 'http://files.example.com/',
      secret: 'a'.repeat(32),
      onListenerError: (error) => errors.push(error),
    });
  });
  afterEach(() => rmSync(dirname(dir), { recursive: true, force: true }));

  const upload = { sizeBytes: 3, contentType: 'text/plain', expiresInSeconds: 60 };
  const headers = { 'content-length': '3', 'content-type': 'text/plain' };
  const queryOf = (url: string): Record<string, string> => Object.fromEntries(new URL(url).searchParams);

  it.each([
    '../escape',
    'files/../../escape',
    '/etc/passwd',
    'a\\b',
    'a\0b',
    'a//b',
    'a/',
    '.',
    'a/./b',
    'a\nb',
    '.tmp/x',
    'x.meta.json',
    '',
    'x'.repeat(1025),
  ])('refuses the key %j everywhere, touching nothing outside its directory', async (key) => {
    await expect(storage.write(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/key|Not an object key/);
    await expect(storage.presignUpload({ key, ...upload })).rejects.toThrow();
    await expect(storage.head(key)).rejects.toThrow(InvalidObjectKeyError);
    await expect(storage.read(key)).rejects.toThrow(InvalidObjectKeyError);
    await expect(storage.delete([key])).rejects.toThrow(InvalidObjectKeyError);
    expect(existsSync(join(dirname(dir), 'escape'))).toBe(false);
  });

  it('presigns URLs on its public address, with the key percent-encoded', async () => {
    const request = await storage.presignUpload({ key: 'files/a b/ü?#', ...upload });
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe('http://files.example.com/storage/files/a%20b/%C3%BC%3F%23');
    expect(Object.keys(queryOf(request.url)).sort()).toEqual(['expires', 'sig', 'size', 'type']);
    expect(storage.verifyUpload('files/a b/ü?#', queryOf(request.url), headers)).toMatchObject({ ok: true });
  });

  it('answers an upload verification with the reason, judged signature first', async () => {
    let now = Date.parse('2026-11-27T12:00:00Z');
    const clocked = new LocalObjectStorage({ dir, publicUrl: 'http://x', secret: 'a'.repeat(32), now: () => now });
    const query = queryOf((await clocked.presignUpload({ key: 'k', ...upload })).url);
    expect(clocked.verifyUpload('k', query, headers)).toEqual({
      ok: true,
      value: { key: 'k', sizeBytes: 3, contentType: 'text/plain', overwrite: false },
    });
    expect(clocked.verifyUpload('k', { ...query, size: '4' }, headers)).toMatchObject({ code: 'upload_url_invalid' });
    expect(clocked.verifyUpload('k', { ...query, type: 'text/html' }, headers)).toMatchObject({
      code: 'upload_url_invalid',
    });
    expect(clocked.verifyUpload('k', { ...query, expires: String(Number(query.expires) + 1) }, headers)).toMatchObject({
      code: 'upload_url_invalid',
    });
    expect(clocked.verifyUpload('k', { ...query, sig: [query.sig, query.sig] }, headers)).toMatchObject({
      code: 'upload_url_invalid',
    });
    expect(clocked.verifyUpload('k', query, { 'content-type': 'text/plain' })).toMatchObject({
      code: 'upload_length_required',
    });
    expect(clocked.verifyUpload('k', query, { ...headers, 'content-length': '4' })).toMatchObject({
      code: 'upload_size_mismatch',
    });
    expect(clocked.verifyUpload('k', query, { ...headers, 'content-type': undefined })).toMatchObject({
      code: 'upload_content_type_mismatch',
    });
    now += 60_000;
    expect(clocked.verifyUpload('k', query, headers)).toMatchObject({ ok: true });
    now += 1001;
    expect(clocked.verifyUpload('k', query, headers)).toMatchObject({ code: 'upload_url_expired' });
    // An expired URL whose signature is also wrong is simply invalid.
    expect(clocked.verifyUpload('k', { ...query, size: '4' }, headers)).toMatchObject({ code: 'upload_url_invalid' });
  });

  it('signs with a key derived from its secret: another secret accepts none of its URLs', async () => {
    const other = new LocalObjectStorage({ dir, publicUrl: 'http://files.example.com', secret: 'b'.repeat(32) });
    const put = queryOf((await storage.presignUpload({ key: 'k', ...upload })).url);
    const get = queryOf((await storage.presignDownload({ key: 'k', fileName: 'k', expiresInSeconds: 60 })).url);
    expect(other.verifyUpload('k', put, headers)).toMatchObject({ code: 'upload_url_invalid' });
    expect(other.verifyDownload('k', get)).toMatchObject({ code: 'download_url_invalid' });
    expect(storage.verifyDownload('k', get)).toMatchObject({ ok: true });
    // Nor is the URL of one key good for another.
    expect(storage.verifyUpload('k2', put, headers)).toMatchObject({ code: 'upload_url_invalid' });
    expect(storage.verifyDownload('k2', get)).toMatchObject({ code: 'download_url_invalid' });
  });

  it('receives exactly the signed size, and leaves nothing behind otherwise', async () => {
    const stored = await storage.receive(
      'files/ok',
      Readable.from([Buffer.from('ab'), Buffer.from('c')]),
      3,
      'text/plain',
    );
    expect(stored).toMatchObject({
      key: 'files/ok',
      sizeBytes: 3,
      etag: createHash('md5').update('abc').digest('hex'),
    });
    for (const chunks of [['ab'], ['abcd'], ['ab', 'cd']]) {
      const received = storage.receive(
        'files/wrong',
        Readable.from(chunks.map((c) => Buffer.from(c))),
        3,
        'text/plain',
      );
      await expect(received).rejects.toThrow(AppError);
      await expect(received).rejects.toMatchObject({ code: 'upload_size_mismatch' });
    }
    expect(await storage.head('files/wrong')).toBeNull();
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
  });

  it('refuses a second upload of a write-once key when placing it, keeping the first', async () => {
    await storage.receive('files/once', Readable.from([Buffer.from('abc')]), 3, 'text/plain');
    expect(await storage.exists('files/once')).toBe(true);
    // A second upload that got past the early check: placement refuses it atomically.
    const second = storage.receive('files/once', Readable.from([Buffer.from('xyz')]), 3, 'text/plain');
    await expect(second).rejects.toMatchObject({ code: 'upload_already_received' });
    expect(await storage.read('files/once')).toEqual(Buffer.from('abc'));
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
    // Overwriting is what a URL that may overwrite does.
    await storage.receive('files/once', Readable.from([Buffer.from('xyz')]), 3, 'text/plain', { overwrite: true });
    expect(await storage.read('files/once')).toEqual(Buffer.from('xyz'));
  });

  it('removes the parts of interrupted uploads older than it is told, and keeps younger ones', async () => {
    const tmp = join(dir, '.tmp');
    mkdirSync(tmp, { recursive: true });
    const old = join(tmp, 'crashed.part');
    const young = join(tmp, 'live.part');
    writeFileSync(old, 'half an upload');
    writeFileSync(`${old}.meta.json`, '{}');
    writeFileSync(young, 'an upload under way');
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    utimesSync(`${old}.meta.json`, hourAgo, hourAgo);

    expect(await storage.removeStaleParts(new Date(Date.now() - 60_000))).toBe(1);
    expect(readdirSync(tmp)).toEqual(['live.part']);
    expect(await storage.removeStaleParts(new Date(Date.now() - 60_000))).toBe(0);
  });

  it('leaves nothing behind when the body fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('ab'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(storage.receive('files/broken', failing, 3, 'text/plain')).rejects.toThrow('connection reset');
    expect(await storage.head('files/broken')).toBeNull();
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
  });

  it('reads ranges, a single first byte included', async () => {
    await storage.write('r', Buffer.from('0123456789'), 'text/plain');
    expect(await storage.read('r', { start: 0, end: 0 })).toEqual(Buffer.from('0'));
    expect(await storage.read('r', { start: 9, end: 20 })).toEqual(Buffer.from('9'));
    await expect(storage.read('r', { start: 5, end: 4 })).rejects.toThrow(RangeError);
  });

  it('lists in S3 key order (UTF-8 bytes), not in directory or UTF-16 order, without its own files', async () => {
    const keys = ['p/a-b', 'p/a/x', 'p/a0', 'p/\uFFFD', 'p/\u{1F600}'];
    for (const key of [...keys].reverse()) await storage.write(key, Buffer.from(key), 'text/plain');
    expect((await storage.list('')).objects.map((object) => object.key)).toEqual(keys);
    expect((await storage.list('p/a', { after: 'p/a-b' })).objects.map((object) => object.key)).toEqual([
      'p/a/x',
      'p/a0',
    ]);
    expect((await storage.list('p/a/')).objects.map((object) => object.key)).toEqual(['p/a/x']);
    expect((await storage.list('../')).objects).toEqual([]);
  });

  it('refuses a key whose parent is an object, and one that is a parent of objects', async () => {
    await storage.write('a', Buffer.from('a'), 'text/plain');
    await expect(storage.write('a/b', Buffer.from('b'), 'text/plain')).rejects.toThrow(/parent/);
    await storage.write('c/d', Buffer.from('d'), 'text/plain');
    await expect(storage.write('c', Buffer.from('c'), 'text/plain')).rejects.toThrow(/parent directory of other/);
    expect(await storage.head('c')).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(['.tmp', 'a', 'a.meta.json', 'c']);
    expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
    await storage.delete(['c']);
    expect(await storage.head('c/d')).not.toBeNull();
  });

  it('keeps announcing when a listener fails, and reports the failure', async () => {
    const calls: string[] = [];
    storage.onObjectCreated(() => {
      throw new Error('sync failure');
    });
    storage.onObjectCreated(async () => {
      throw new Error('async failure');
    });
    const stop = storage.onObjectCreated((record) => {
      calls.push(record.s3.object.key);
    });
    await storage.write('x', Buffer.from('x'), 'text/plain');
    stop();
    await storage.write('y', Buffer.from('y'), 'text/plain');
    expect(calls).toEqual(['x']);
    await eventually(() =>
      expect(errors.map((error) => (error as Error).message).sort()).toEqual([
        'async failure',
        'async failure',
        'sync failure',
        'sync failure',
      ]),
    );
    expect(await storage.read('y')).toEqual(Buffer.from('y'));
  });

  it('fails its check when its directory cannot be made', async () => {
    await expect(storage.check()).resolves.toBeUndefined();
    await storage.write('z', Buffer.from('z'), 'text/plain');
    // A store whose directory would be that file.
    const blocked = new LocalObjectStorage({ dir: join(dir, 'z'), publicUrl: 'http://x', secret: 'a'.repeat(32) });
    await expect(blocked.check()).rejects.toThrow();
  });
});
