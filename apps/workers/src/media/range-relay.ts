import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ObjectStorage } from '@app/storage';

/**
 * What one answer carries at most: the first answer at an offset, doubled for each answer that goes on where the
 * last one ended (ffmpeg reading on), up to the largest.
 */
const FIRST_WINDOW_BYTES = 128 * 1024;
const LARGEST_WINDOW_BYTES = 4 * 1024 * 1024;

/** Thrown when storage answers the relay with something else than the part it asked for. */
export class UnexpectedAnswer extends Error {}

/**
 * Where the relay reads: bytes `start`…`end` (both included) of the object as a stream, read as it is sent, and
 * the object's size. Destroying the stream, or aborting `signal`, ends the read from storage.
 */
export type RangeSource = (
  start: number,
  end: number,
  signal: AbortSignal,
) => Promise<{ body: Readable; total: number }>;

/**
 * An object in storage as a source: each part is a ranged, streamed read through the storage port (on S3 a
 * GetObject with a Range header, signed by the workers' own credentials; on the embedded store, the file's bytes).
 */
export function storageRangeSource(storage: ObjectStorage, key: string, size: number): RangeSource {
  return async (start, end) => {
    if (start >= size) throw new UnexpectedAnswer(`Byte ${start} is past the end`);
    const body = await storage.stream(key, undefined, { start, end: Math.min(end, size - 1) });
    if (!body) throw new UnexpectedAnswer('The object is gone');
    return { body, total: size };
  };
}

/** A presigned GET (or any HTTP URL that answers ranges) as a source: each part is a GET with a Range header. */
export function httpRangeSource(url: string): RangeSource {
  return async (start, end, signal) => {
    const answer = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal });
    const total = /\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1];
    if (answer.status !== 206 || total === undefined || !answer.body) {
      await answer.body?.cancel();
      throw new UnexpectedAnswer(`Storage answered ${answer.status}`);
    }
    return { body: Readable.fromWeb(answer.body as Parameters<typeof Readable.fromWeb>[0]), total: Number(total) };
  };
}

/**
 * Lends ffmpeg a loopback URL that answers its requests from a source of byte ranges (storage, or a presigned
 * GET): Node, not ffmpeg, reaches storage (the npm package's static ffmpeg crashes resolving host names, and
 * checks no certificate; nor could it sign a request). ffmpeg asks `bytes=N-` and reads on until it has what it
 * needs; each request is answered with one window of the object (206 with its exact Content-Range), streamed from
 * one ranged read of storage as it arrives, and ffmpeg (run with `-reconnect 1`) asks again from where the window
 * ended when it needs more. Windows start at 128 KiB and double while ffmpeg reads on, up to 4 MiB. An answer
 * running to the end of the object would be pushed into the loopback sockets (which grow to megabytes) faster than
 * ffmpeg reads it, on the core ffmpeg decodes on; the windows read about what ffmpeg reads. At most `maxBytes` are
 * relayed in all.
 */
export async function withRangeRelay<T>(
  source: RangeSource,
  maxBytes: number,
  use: (url: string) => Promise<T>,
): Promise<{ result: T; bytesRelayed: number }> {
  const path = `/${randomUUID()}`;
  let relayed = 0;
  /** What the answers so far have announced (and so will relay): the budget, whatever requests overlap. */
  let promised = 0;
  /** The window of the answer that ended just before each offset. */
  const windowEndingAt = new Map<number, number>();

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const asked = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? 'bytes=0-');
    if (request.url !== path || request.method !== 'GET' || !asked) {
      response.writeHead(404).end();
      return;
    }
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const start = Number(asked[1]);
    const upTo = asked[2] ? Number(asked[2]) : Infinity;
    // Never more than the budget left: past it, ffmpeg's next request fails.
    const left = maxBytes - promised;
    const previous = windowEndingAt.get(start);
    const window = Math.min(previous ? Math.min(previous * 2, LARGEST_WINDOW_BYTES) : FIRST_WINDOW_BYTES, left);
    if (left <= 0) {
      response.writeHead(502).end();
      return;
    }
    let part;
    try {
      part = await source(start, Math.min(upTo, start + window - 1), abort.signal);
    } catch (error) {
      // 416 past the end, 403 for an expired URL…: ffmpeg sees an HTTP error and says so.
      if (error instanceof UnexpectedAnswer) response.writeHead(502).end();
      else response.destroy();
      return;
    }
    const { body, total } = part;
    abort.signal.addEventListener('abort', () => body.destroy());
    const last = Math.min(upTo, total - 1, start + window - 1);
    windowEndingAt.set(last + 1, window);
    promised += last - start + 1;
    response.writeHead(206, {
      'content-length': String(last - start + 1),
      'accept-ranges': 'bytes',
      'content-range': `bytes ${start}-${last}/${total}`,
    });
    for await (const chunk of body as AsyncIterable<Buffer>) {
      relayed += chunk.length;
      if (!response.write(chunk)) await once(response, 'drain', { signal: abort.signal });
    }
    response.end();
  }

  const server = createServer((request, response) => {
    // A hang-up (ffmpeg has what it needs) ends the read from storage; anything else cuts the connection.
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
