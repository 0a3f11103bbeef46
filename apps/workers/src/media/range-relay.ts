import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStorage } from '@app/storage';

/** The first range fetched for a request, doubled for each next one up to the largest. */
const FIRST_WINDOW_BYTES = 256 * 1024;
const LARGEST_WINDOW_BYTES = 4 * 1024 * 1024;

/** Thrown when storage answers the relay with something else than the part it asked for. */
export class UnexpectedAnswer extends Error {}

/** Where the relay reads: bytes `start`…`end` (both included) of the object, and the object's size. */
export type RangeSource = (
  start: number,
  end: number,
  signal: AbortSignal,
) => Promise<{ bytes: Buffer; total: number }>;

/**
 * An object in storage as a source: each part is a ranged read through the storage port (on S3 a GetObject with a
 * Range header, signed by the workers' own credentials; on the embedded store, a read of the file's bytes).
 */
export function storageRangeSource(storage: ObjectStorage, key: string, size: number): RangeSource {
  return async (start, end) => {
    if (start >= size) throw new UnexpectedAnswer(`Byte ${start} is past the end`);
    const bytes = await storage.read(key, { start, end: Math.min(end, size - 1) });
    if (!bytes) throw new UnexpectedAnswer('The object is gone');
    return { bytes, total: size };
  };
}

/** A presigned GET (or any HTTP URL that answers ranges) as a source: each part is a GET with a Range header. */
export function httpRangeSource(url: string): RangeSource {
  return async (start, end, signal) => {
    const answer = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal });
    const total = /\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1];
    if (answer.status !== 206 || total === undefined) {
      await answer.body?.cancel();
      throw new UnexpectedAnswer(`Storage answered ${answer.status}`);
    }
    return { bytes: Buffer.from(await answer.arrayBuffer()), total: Number(total) };
  };
}

/**
 * Lends ffmpeg a loopback URL that answers its requests from a source of byte ranges (storage, or a presigned
 * GET): Node, not ffmpeg, reaches storage (the npm package's static ffmpeg crashes resolving host names, and
 * checks no certificate; nor could it sign a request). A request for `bytes=N-` is answered as storage would (206, the rest of the object), but its bytes
 * are fetched a window at a time (256 KiB, doubling up to 4 MiB), each only once ffmpeg has taken the previous
 * one: when ffmpeg hangs up after the few hundred kilobytes it needed, little more was read from storage. At most
 * `maxBytes` are fetched in all.
 */
export async function withRangeRelay<T>(
  source: RangeSource,
  maxBytes: number,
  use: (url: string) => Promise<T>,
): Promise<{ result: T; bytesRelayed: number }> {
  const path = `/${randomUUID()}`;
  let relayed = 0;

  async function fetchPart(start: number, end: number, signal: AbortSignal) {
    if (relayed > maxBytes) throw new UnexpectedAnswer(`More than ${maxBytes} bytes read`);
    const part = await source(start, end, signal);
    relayed += part.bytes.length;
    return part;
  }

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const asked = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? 'bytes=0-');
    if (request.url !== path || request.method !== 'GET' || !asked) {
      response.writeHead(404).end();
      return;
    }
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const start = Number(asked[1]);
    let window = FIRST_WINDOW_BYTES;
    const upTo = asked[2] ? Number(asked[2]) : Infinity;
    let first;
    try {
      first = await fetchPart(start, Math.min(upTo, start + window - 1), abort.signal);
    } catch (error) {
      // 416 past the end, 403 for an expired URL…: ffmpeg sees an HTTP error and says so.
      if (error instanceof UnexpectedAnswer) response.writeHead(502).end();
      else response.destroy();
      return;
    }
    const last = Math.min(upTo, first.total - 1);
    response.writeHead(request.headers.range ? 206 : 200, {
      'content-length': String(last - start + 1),
      'accept-ranges': 'bytes',
      ...(request.headers.range ? { 'content-range': `bytes ${start}-${last}/${first.total}` } : {}),
    });
    let part = first.bytes;
    let offset = start;
    for (;;) {
      offset += part.length;
      if (!response.write(part)) await once(response, 'drain', { signal: abort.signal });
      if (offset > last) break;
      window = Math.min(window * 2, LARGEST_WINDOW_BYTES);
      part = (await fetchPart(offset, Math.min(last, offset + window - 1), abort.signal)).bytes;
    }
    response.end();
  }

  const server = createServer((request, response) => {
    // A hang-up (ffmpeg has what it needs) aborts the fetch; anything else cuts the connection.
    relay(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await use(`http://127.0.0.1:${port}${path}`);
    return { result, bytesRelayed: relayed };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
