import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The first range fetched for a request, doubled for each next one up to the largest. */
const FIRST_WINDOW_BYTES = 256 * 1024;
const LARGEST_WINDOW_BYTES = 4 * 1024 * 1024;

/** Thrown when storage answers the relay with something else than the part it asked for. */
class UnexpectedAnswer extends Error {}

/**
 * Lends ffmpeg a loopback URL that answers its requests from a presigned GET: Node, not ffmpeg, resolves storage's
 * name and speaks TLS to it (the npm package's static ffmpeg crashes resolving host names, and checks no
 * certificate). A request for `bytes=N-` is answered as storage would (206, the rest of the object), but its bytes
 * are fetched a window at a time (256 KiB, doubling up to 4 MiB), each only once ffmpeg has taken the previous
 * one: when ffmpeg hangs up after the few hundred kilobytes it needed, little more was read from storage. At most
 * `maxBytes` are fetched in all.
 */
export async function withRangeRelay<T>(
  source: string,
  maxBytes: number,
  use: (url: string) => Promise<T>,
): Promise<{ result: T; bytesRelayed: number }> {
  const path = `/${randomUUID()}`;
  let relayed = 0;

  async function fetchPart(start: number, end: number, signal: AbortSignal) {
    if (relayed > maxBytes) throw new UnexpectedAnswer(`More than ${maxBytes} bytes read`);
    const answer = await fetch(source, { headers: { range: `bytes=${start}-${end}` }, signal });
    const total = /\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1];
    if (answer.status !== 206 || total === undefined) {
      await answer.body?.cancel();
      throw new UnexpectedAnswer(`Storage answered ${answer.status}`);
    }
    const bytes = Buffer.from(await answer.arrayBuffer());
    relayed += bytes.length;
    return { bytes, total: Number(total), type: answer.headers.get('content-type') };
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
      ...(first.type ? { 'content-type': first.type } : {}),
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
