/**
 * The behaviour every ObjectStorage adapter owes its callers, as one jest suite that each adapter's spec runs
 * (`objectStorageContract(() => subject)`), against a real server: s3rver for S3, the API's own routes for
 * the local store. Uploads and downloads go through the presigned URLs with plain `fetch`, as a browser
 * would, never through the adapter's SDK.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ObjectStorage, PresignedRequest } from './object-storage';

/** The ways a client can misuse a presigned URL; each must be refused by the server. */
export type Refusal =
  | 'tampered_key'
  | 'tampered_signature'
  | 'expired'
  | 'body_too_big'
  | 'body_too_small'
  | 'other_content_type'
  | 'download_tampered'
  | 'download_expired'
  | 'used_url';

export interface ContractSubject {
  storage: ObjectStorage;
  /** Checks, beyond "not 2xx", how this store's server answers a refusal (status, error code). */
  expectRefused(response: Response, refusal: Refusal): Promise<void>;
}

export const UNICODE_NAME = 'naïve "résumé" 你好.pdf';

const TTL = 300;

export function objectStorageContract(subject: () => ContractSubject): void {
  const storage = (): ObjectStorage => subject().storage;
  /** Keys of this run, apart from anything else in the store. */
  const root = `contract-${randomUUID()}/`;
  let counter = 0;
  const newKey = (name = 'object'): string => `${root}${++counter}/${name}`;

  async function presignPut(key: string, body: Buffer, contentType = 'application/pdf', ttl = TTL, overwrite = false) {
    return storage().presignUpload({ key, sizeBytes: body.length, contentType, expiresInSeconds: ttl, overwrite });
  }

  /** Sends `body` to a presigned PUT with its headers, as a client does (fetch sets Content-Length from the body). */
  function put(upload: PresignedRequest, body: Buffer, headers = upload.headers): Promise<Response> {
    return fetch(upload.url, { method: upload.method, headers, body });
  }

  async function upload(key: string, body: Buffer, contentType = 'application/pdf', overwrite = false): Promise<void> {
    const res = await put(await presignPut(key, body, contentType, TTL, overwrite), body);
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: '' });
  }

  describe('presigned upload', () => {
    it('presigns a PUT that pins the size and type, and writes once, in the headers the client must send', async () => {
      const before = Date.now();
      const request = await presignPut(newKey(), Buffer.alloc(1234), 'image/png');
      expect(request.method).toBe('PUT');
      expect(request.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234', 'If-None-Match': '*' });
      expect(request.expiresAt.getTime()).toBeGreaterThanOrEqual(before + (TTL - 1) * 1000);
      expect(request.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + (TTL + 1) * 1000);
    });

    it('stores a correct upload, readable byte for byte with its size and type', async () => {
      const key = newKey('report.pdf');
      const body = randomBytes(64 * 1024 + 7);
      await upload(key, body, 'application/pdf');
      expect(await storage().read(key)).toEqual(body);
      expect(await storage().head(key)).toEqual({
        key,
        sizeBytes: body.length,
        contentType: 'application/pdf',
        lastModified: expect.any(Date),
        etag: createHash('md5').update(body).digest('hex'),
      });
    });

    it('stores an empty upload', async () => {
      const key = newKey();
      await upload(key, Buffer.alloc(0), 'text/plain');
      expect(await storage().head(key)).toMatchObject({ sizeBytes: 0 });
      expect(await storage().read(key)).toEqual(Buffer.alloc(0));
    });

    it('takes keys with spaces and non-ASCII characters', async () => {
      const key = newKey('my photo + ünïcødé 你好.png');
      const body = randomBytes(100);
      await upload(key, body, 'image/png');
      expect(await storage().read(key)).toEqual(body);
    });

    it('replaces the object when a key is uploaded again through URLs that may overwrite', async () => {
      const key = newKey();
      await upload(key, Buffer.from('first version'), 'text/plain', true);
      await upload(key, Buffer.from('second'), 'text/markdown', true);
      expect((await storage().read(key))!.toString()).toBe('second');
      expect(await storage().head(key)).toMatchObject({ sizeBytes: 6, contentType: 'text/markdown' });
    });

    it('writes once: a URL used again, or another write-once URL of the key, is refused and the first bytes stay', async () => {
      const key = newKey();
      const first = Buffer.from('<svg>the first bytes</svg>');
      const again = Buffer.from('<html>other bytes!!</html>');
      const request = await presignPut(key, first, 'image/svg+xml');
      expect((await put(request, first)).status).toBe(200);
      await expectRefused(await put(request, again), 'used_url');
      await expectRefused(await put(await presignPut(key, again, 'image/svg+xml'), again), 'used_url');
      expect(await storage().read(key)).toEqual(first);
      expect(await storage().head(key)).toMatchObject({ contentType: 'image/svg+xml' });
    });

    it('writes once under racing PUTs of one URL: one is stored whole, every other is refused', async () => {
      const key = newKey();
      const bodies = [0, 1, 2, 3].map(() => randomBytes(256 * 1024));
      const request = await presignPut(key, bodies[0], 'application/octet-stream');
      const answers = await Promise.all(bodies.map((body) => put(request, body)));
      const won = answers.flatMap((res, i) => (res.status === 200 ? [i] : []));
      expect(won).toHaveLength(1);
      for (const res of answers.filter((_, i) => i !== won[0])) await expectRefused(res, 'used_url');
      expect(await storage().read(key)).toEqual(bodies[won[0]]);
    });

    it('refuses a URL whose key was changed, and stores nothing under either key', async () => {
      const key = newKey('original');
      const body = randomBytes(100);
      const request = await presignPut(key, body);
      const url = new URL(request.url);
      url.pathname = url.pathname.replace(/original$/, 'changed');
      const res = await put({ ...request, url: url.toString() }, body);
      await expectRefused(res, 'tampered_key');
      expect(await storage().head(key)).toBeNull();
      expect(await storage().head(key.replace(/original$/, 'changed'))).toBeNull();
    });

    it('refuses a URL whose signature was changed, and stores nothing', async () => {
      const key = newKey();
      const body = randomBytes(100);
      const request = await presignPut(key, body);
      await expectRefused(await put({ ...request, url: tamperedSignature(request.url) }, body), 'tampered_signature');
      expect(await storage().head(key)).toBeNull();
    });

    it('refuses a body one byte bigger than signed, and stores nothing', async () => {
      const key = newKey();
      const request = await presignPut(key, randomBytes(100));
      const res = await put(request, randomBytes(101), { 'Content-Type': request.headers['Content-Type'] });
      await expectRefused(res, 'body_too_big');
      expect(await storage().head(key)).toBeNull();
    });

    it('refuses a body one byte smaller than signed, and stores nothing', async () => {
      const key = newKey();
      const request = await presignPut(key, randomBytes(100));
      const res = await put(request, randomBytes(99), { 'Content-Type': request.headers['Content-Type'] });
      await expectRefused(res, 'body_too_small');
      expect(await storage().head(key)).toBeNull();
    });

    it('refuses a Content-Type other than the signed one, and stores nothing', async () => {
      const key = newKey();
      const body = randomBytes(100);
      const request = await presignPut(key, body, 'image/png');
      const res = await put(request, body, { ...request.headers, 'Content-Type': 'text/html' });
      await expectRefused(res, 'other_content_type');
      expect(await storage().head(key)).toBeNull();
    });
  });

  describe('presigned download', () => {
    const body = randomBytes(4096);
    const key = newKey('download');
    beforeAll(() => storage().write(key, body, 'application/pdf'));

    async function presignGet(fileName = UNICODE_NAME, contentType?: string, ttl = TTL) {
      return storage().presignDownload({ key, fileName, contentType, expiresInSeconds: ttl });
    }

    it('serves the bytes as an attachment that keeps a Unicode name', async () => {
      const request = await presignGet(UNICODE_NAME, 'application/pdf');
      expect(request).toMatchObject({ method: 'GET', headers: {} });
      const res = await fetch(request.url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''\S+$/);
      expect(decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(disposition)![1])).toBe(UNICODE_NAME);
      // The ASCII fallback stays one quoted string.
      expect(/filename="([^"]*)"/.exec(disposition)![1]).toBe('naive _resume_ __.pdf');
    });

    it('answers the stored type when the URL names none', async () => {
      const res = await fetch((await presignGet('a.pdf')).url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      await res.arrayBuffer();
    });

    it('serves a range with 206 and Content-Range', async () => {
      const res = await fetch((await presignGet()).url, { headers: { Range: 'bytes=100-199' } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 100-199/${body.length}`);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(body.subarray(100, 200));
    });

    it('answers a range past the end with 416', async () => {
      const res = await fetch((await presignGet()).url, { headers: { Range: `bytes=${body.length}-` } });
      expect(res.status).toBe(416);
      await res.arrayBuffer();
    });

    it('refuses a URL whose signature was changed', async () => {
      await expectRefused(await fetch(tamperedSignature((await presignGet()).url)), 'download_tampered');
    });

    it('signs with the date it is given: the same URL each time, living from that date, served with its Cache-Control', async () => {
      const signedAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
      const target = {
        key,
        fileName: 'a.pdf',
        expiresInSeconds: 600,
        signedAt,
        cacheControl: 'private, max-age=300, immutable',
      };
      const first = await storage().presignDownload(target);
      const second = await storage().presignDownload({ ...target });
      expect(second.url).toBe(first.url);
      expect(first.expiresAt).toEqual(new Date(signedAt.getTime() + 600_000));
      const other = await storage().presignDownload({ ...target, signedAt: new Date(signedAt.getTime() + 60_000) });
      expect(other.url).not.toBe(first.url);

      const res = await fetch(first.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, max-age=300, immutable');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
      // The Cache-Control is signed: another one in the URL is refused.
      const swapped = new URL(first.url);
      const param = swapped.searchParams.has('cache') ? 'cache' : 'response-cache-control';
      swapped.searchParams.set(param, 'public, max-age=31536000');
      await expectRefused(await fetch(swapped), 'download_tampered');
    });
  });

  describe('expiry', () => {
    it('refuses an expired upload URL (storing nothing) and an expired download URL', async () => {
      const key = newKey();
      const body = randomBytes(100);
      const uploadRequest = await presignPut(key, body, 'application/pdf', 1);
      const downloadKey = newKey();
      await storage().write(downloadKey, body, 'application/pdf');
      const download = await storage().presignDownload({ key: downloadKey, fileName: 'a.pdf', expiresInSeconds: 1 });
      const latest = Math.max(uploadRequest.expiresAt.getTime(), download.expiresAt.getTime());
      await sleep(latest - Date.now() + 1100);

      await expectRefused(await put(uploadRequest, body), 'expired');
      expect(await storage().head(key)).toBeNull();
      await expectRefused(await fetch(download.url), 'download_expired');
    });
  });

  describe('reading, writing, deleting', () => {
    const body = Buffer.from('0123456789abcdefghij');
    const key = newKey();
    beforeAll(() => storage().write(key, body, 'text/plain'));

    it('heads an object, and answers null for a missing one', async () => {
      expect(await storage().head(key)).toEqual({
        key,
        sizeBytes: body.length,
        contentType: 'text/plain',
        lastModified: expect.any(Date),
        etag: createHash('md5').update(body).digest('hex'),
      });
      expect(await storage().head(newKey('missing'))).toBeNull();
    });

    it('reads all bytes or a range, and answers null for a missing object', async () => {
      expect(await storage().read(key)).toEqual(body);
      expect(await storage().read(key, { start: 0, end: 1 })).toEqual(Buffer.from('01'));
      expect(await storage().read(key, { start: 9, end: 9 })).toEqual(Buffer.from('9'));
      expect(await storage().read(key, { start: 10, end: 14 })).toEqual(Buffer.from('abcde'));
      expect(await storage().read(key, { start: 15, end: 1000 })).toEqual(Buffer.from('fghij'));
      expect(await storage().read(key, { start: 20, end: 30 })).toEqual(Buffer.alloc(0));
      expect(await storage().read(newKey('missing'))).toBeNull();
    });

    it('streams an object, the pinned bytes only, and answers null for a missing one', async () => {
      const whole = async (stream: NodeJS.ReadableStream | null) => {
        const chunks: Buffer[] = [];
        for await (const chunk of stream!) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks);
      };
      const etag = createHash('md5').update(body).digest('hex');
      expect(await whole(await storage().stream(key))).toEqual(body);
      expect(await whole(await storage().stream(key, { etag }))).toEqual(body);
      expect(await storage().stream(key, { etag: createHash('md5').update('other bytes').digest('hex') })).toBeNull();
      expect(await storage().stream(newKey('missing'))).toBeNull();
      expect(await whole(await storage().stream(key, undefined, { start: 10, end: 14 }))).toEqual(Buffer.from('abcde'));
      expect(await whole(await storage().stream(key, { etag }, { start: 15, end: 1000 }))).toEqual(
        Buffer.from('fghij'),
      );
      expect(await whole(await storage().stream(key, undefined, { start: 20, end: 30 }))).toEqual(Buffer.alloc(0));
    });

    it('deletes objects, ignoring keys that do not exist, any number of times', async () => {
      const a = newKey();
      const b = newKey();
      await storage().write(a, Buffer.from('a'), 'text/plain');
      await storage().write(b, Buffer.from('b'), 'text/plain');
      await storage().delete([a, newKey('never-existed'), b]);
      expect(await storage().head(a)).toBeNull();
      expect(await storage().head(b)).toBeNull();
      await storage().delete([a, b]);
      await storage().delete([]);
      expect(await storage().head(key)).not.toBeNull();
    });

    it('answers its check', async () => {
      await expect(storage().check()).resolves.toBeUndefined();
    });
  });

  describe('copying inside storage', () => {
    const body = randomBytes(32 * 1024 + 3);
    const etag = createHash('md5').update(body).digest('hex');
    const source = newKey('source.pdf');
    beforeAll(() => storage().write(source, body, 'application/pdf'));

    it('copies the bytes and the type to a new key, answering the copy’s head', async () => {
      const target = newKey('copy.pdf');
      const head = await storage().copy(source, target);
      expect(head).toMatchObject({ key: target, sizeBytes: body.length, contentType: 'application/pdf', etag });
      expect(await storage().read(target)).toEqual(body);
      expect(await storage().head(source)).toMatchObject({ sizeBytes: body.length, etag });
    });

    it('copies the pinned bytes only, and answers null (storing nothing) for others or for a missing object', async () => {
      const pinned = newKey();
      expect(await storage().copy(source, pinned, { etag })).toMatchObject({ etag });
      expect(await storage().read(pinned)).toEqual(body);
      const other = newKey();
      const otherEtag = createHash('md5').update('other bytes').digest('hex');
      expect(await storage().copy(source, other, { etag: otherEtag })).toBeNull();
      expect(await storage().head(other)).toBeNull();
      const fromNothing = newKey();
      expect(await storage().copy(newKey('missing'), fromNothing)).toBeNull();
      expect(await storage().head(fromNothing)).toBeNull();
    });

    it('makes a copy independent of its source: deleting either leaves the other whole', async () => {
      const original = newKey();
      await storage().write(original, Buffer.from('shared bytes'), 'text/plain');
      const first = newKey();
      const second = newKey();
      await storage().copy(original, first);
      await storage().copy(first, second);
      await storage().delete([original]);
      expect((await storage().read(first))!.toString()).toBe('shared bytes');
      await storage().delete([first]);
      expect((await storage().read(second))!.toString()).toBe('shared bytes');
      expect(await storage().head(second)).toMatchObject({ contentType: 'text/plain' });
    });
  });

  describe('listing', () => {
    const dir = `${root}list/`;
    const keys = [`${dir}a`, `${dir}b/1`, `${dir}b/2`, `${dir}c`, `${dir}cd`];
    beforeAll(async () => {
      for (const [i, key] of [...keys].reverse().entries())
        await storage().write(key, Buffer.alloc(i + 1), 'text/plain');
      await storage().write(`${root}lists`, Buffer.from('outside the prefix'), 'text/plain');
      await storage().write(`${root}before`, Buffer.from('outside the prefix'), 'text/plain');
    });

    it('lists the objects under a prefix in key order, with their sizes', async () => {
      const page = await storage().list(dir);
      expect(page.objects.map((object) => object.key)).toEqual(keys);
      expect(page.objects.map((object) => object.sizeBytes)).toEqual([5, 4, 3, 2, 1]);
      expect(page.objects.every((object) => object.lastModified instanceof Date)).toBe(true);
      expect(page.next).toBeUndefined();
    });

    it('pages with after and limit', async () => {
      const first = await storage().list(dir, { limit: 2 });
      expect(first.objects.map((object) => object.key)).toEqual(keys.slice(0, 2));
      expect(first.next).toBe(keys[1]);
      const second = await storage().list(dir, { limit: 2, after: first.next });
      expect(second.objects.map((object) => object.key)).toEqual(keys.slice(2, 4));
      const third = await storage().list(dir, { limit: 2, after: second.next });
      expect(third.objects.map((object) => object.key)).toEqual(keys.slice(4));
      expect(third.next).toBeUndefined();
    });

    it('takes a prefix that ends inside a name', async () => {
      const page = await storage().list(`${dir}c`);
      expect(page.objects.map((object) => object.key)).toEqual([`${dir}c`, `${dir}cd`]);
      const tail = await storage().list(`${root}list`);
      expect(tail.objects.map((object) => object.key)).toEqual([...keys, `${root}lists`]);
    });

    it('lists nothing under a prefix nobody uses', async () => {
      expect(await storage().list(`${root}nothing/`)).toEqual({ objects: [], next: undefined });
    });
  });

  async function expectRefused(response: Response, refusal: Refusal): Promise<void> {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await subject().expectRefused(response, refusal);
  }
}

/** The URL with its signature (the one 64-hex-digit query value) altered by one digit. */
export function tamperedSignature(url: string): string {
  const parsed = new URL(url);
  const signed = [...parsed.searchParams].filter(([, value]) => /^[0-9a-f]{64}$/.test(value));
  expect(signed).toHaveLength(1);
  const [name, value] = signed[0];
  parsed.searchParams.set(name, value.slice(0, -1) + (value.endsWith('0') ? '1' : '0'));
  return parsed.toString();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
