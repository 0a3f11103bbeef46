import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Headers of storage's answer that ffmpeg needs to seek (the rest stay behind). */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag'];

/**
 * Lends ffmpeg a loopback URL that relays its requests to a presigned GET, each with its Range header, and
 * streams storage's answers back: Node, not ffmpeg, resolves storage's name and speaks TLS to it (the npm
 * package's static ffmpeg crashes resolving host names, and does not check certificates). Only ranges ffmpeg
 * asks for are fetched, never the whole object unless it reads it all; at most `maxBytes` are relayed in all.
 */
export async function withRangeRelay<T>(
  source: string,
  maxBytes: number,
  use: (url: string) => Promise<T>,
): Promise<{ result: T; bytesRelayed: number }> {
  const path = `/${randomUUID()}`;
  let relayed = 0;
  const server = createServer((request, response) => {
    relay(request, response).catch(() => response.destroy());
  });

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.url !== path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404).end();
      return;
    }
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const range = request.headers.range;
    const answer = await fetch(source, {
      method: request.method,
      headers: range ? { range } : {},
      signal: abort.signal,
    });
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    response.writeHead(answer.status, headers);
    if (!answer.body) {
      response.end();
      return;
    }
    const body = Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      relayed += chunk.length;
      // Past the budget the connection is cut: ffmpeg sees a read error and gives up.
      if (relayed > maxBytes) {
        body.destroy();
        response.destroy();
      }
    });
    body.on('error', () => response.destroy());
    body.pipe(response);
  }

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
