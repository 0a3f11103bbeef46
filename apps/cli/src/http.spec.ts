import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@app/sdk';
import { NetworkError } from './errors';
import { backoffMs, getToFile, putFile, retryingFetch, transferAgents, withRetries, type RetryPolicy } from './http';

const FAST: RetryPolicy = { attempts: 3, firstMs: 1, maxMs: 2 };

describe('backoffMs', () => {
  it('doubles from the first wait up to the cap, with jitter between half and all of it', () => {
    const policy = { attempts: 7, firstMs: 250, maxMs: 8000 };
    expect([1, 2, 3, 6, 7].map((attempt) => backoffMs(attempt, policy, () => 1))).toEqual([250, 500, 1000, 8000, 8000]);
    expect(backoffMs(3, policy, () => 0)).toBe(500);
  });
});

describe('retryingFetch', () => {
  const answer = (status: number, headers: Record<string, string> = {}) => new Response('{}', { status, headers });
  const failure = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: { code } });

  it('tries again after 503 and 429 until an answer that is not one of them', async () => {
    const base = jest
      .fn<Promise<Response>, [Request]>()
      .mockResolvedValueOnce(answer(503))
      .mockResolvedValueOnce(answer(429, { 'retry-after': '0' }))
      .mockResolvedValueOnce(answer(201));
    const response = await retryingFetch(FAST, base as unknown as typeof fetch)('http://api.test/drive', {
      method: 'POST',
      body: '{"folder_name":"a"}',
    });
    expect(response.status).toBe(201);
    expect(base).toHaveBeenCalledTimes(3);
    // Each try sends the whole body again.
    expect(await base.mock.calls[2][0].text()).toBe('{"folder_name":"a"}');
  });

  it('answers the last 503 when the tries are spent', async () => {
    const base = jest.fn().mockResolvedValue(answer(503));
    const response = await retryingFetch(FAST, base)('http://api.test/health');
    expect([response.status, base.mock.calls.length]).toEqual([503, 3]);
  });

  it('sends a GET again after a broken connection, a POST only when the server was never reached', async () => {
    const get = jest.fn().mockRejectedValueOnce(failure('ECONNRESET')).mockResolvedValueOnce(answer(200));
    expect((await retryingFetch(FAST, get)('http://api.test/drive')).status).toBe(200);

    const post = jest.fn().mockRejectedValue(failure('ECONNRESET'));
    await expect(retryingFetch(FAST, post)('http://api.test/files', { method: 'POST', body: '{}' })).rejects.toThrow(
      NetworkError,
    );
    expect(post).toHaveBeenCalledTimes(1);

    const refused = jest.fn().mockRejectedValueOnce(failure('ECONNREFUSED')).mockResolvedValueOnce(answer(201));
    expect((await retryingFetch(FAST, refused)('http://api.test/files', { method: 'POST', body: '{}' })).status).toBe(
      201,
    );
  });
});

describe('withRetries', () => {
  it('tries a transient failure again, and throws any other at once', async () => {
    let calls = 0;
    const value = await withRetries(async () => {
      if (++calls < 3) throw new ApiError(503, 'service_unavailable', 'down');
      return 'done';
    }, FAST);
    expect([value, calls]).toEqual(['done', 3]);

    const refused = jest.fn().mockRejectedValue(new ApiError(409, 'file_name_conflict', 'taken'));
    await expect(withRetries(refused, FAST)).rejects.toMatchObject({ code: 'file_name_conflict' });
    expect(refused).toHaveBeenCalledTimes(1);
  });
});

describe('putFile and getToFile', () => {
  let server: Server;
  let base: string;
  const received: { headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clouddrive-http-'));

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      if (request.url === '/refuse') {
        response.writeHead(412, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify({ status: 412, code: 'upload_already_received', detail: 'Used.' }));
        return;
      }
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'image/webp' });
      response.end(request.method === 'GET' ? 'the bytes' : '');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams a file with its signed headers and its exact length, counting the bytes', async () => {
    const path = join(dir, 'up.bin');
    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024, 7));
    const agents = transferAgents(2);
    let counted = 0;
    const upload = {
      method: 'PUT' as const,
      url: `${base}/put`,
      headers: { 'Content-Type': 'application/octet-stream', 'If-None-Match': '*', 'Content-Length': '1' },
      expires_at: new Date().toISOString(),
    };
    await putFile(upload, path, 3 * 1024 * 1024, agents, (bytes) => (counted += bytes));
    agents.destroy();
    const [put] = received.splice(0);
    expect(put.headers).toMatchObject({ 'content-length': String(3 * 1024 * 1024), 'if-none-match': '*' });
    expect(put.headers['transfer-encoding']).toBeUndefined();
    expect(put.body.equals(readFileSync(path))).toBe(true);
    expect(counted).toBe(3 * 1024 * 1024);

    const refused = putFile({ ...upload, url: `${base}/refuse` }, path, 3 * 1024 * 1024, transferAgents(1), () => 0);
    await expect(refused).rejects.toMatchObject({ status: 412, code: 'upload_already_received' });
  });

  it('writes a GET to a file and answers its type', async () => {
    const path = join(dir, 'down.bin');
    expect(await getToFile(`${base}/get`, path, () => undefined)).toBe('image/webp');
    expect(readFileSync(path, 'utf8')).toBe('the bytes');
    await expect(getToFile('http://127.0.0.1:9/nothing', path, () => undefined)).rejects.toThrow(NetworkError);
  });
});
