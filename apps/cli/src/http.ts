/**
 * The CLI's HTTP: a fetch for the SDK that retries what is safe to retry, with exponential backoff and jitter,
 * and the presigned transfers (PUT from a file, GET to a file), streamed with their progress counted.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { ApiError, signedHeaders, type Upload } from '@app/sdk';
import { isTransient, NetworkError } from './errors';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  firstMs: number;
  maxMs: number;
}

/** Seven tries, 16 s of waits at most: an API restarting, or a short network outage, is waited out. */
export const RETRY: RetryPolicy = { attempts: 7, firstMs: 250, maxMs: 8_000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait before try `attempt + 1`: doubling from `firstMs`, capped, with jitter (half to all of it). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.firstMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Statuses after which the request did nothing and may be sent again. */
const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);
/** Methods whose repetition changes nothing more: sent again even when the connection broke mid-way. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Retry-After in seconds (the API sends seconds), as milliseconds, capped by the policy. */
function retryAfterMs(response: Response, policy: RetryPolicy): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, policy.maxMs) : 0;
}

/** Whether the connection failed before the request could have reached the server. */
function neverSent(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/**
 * A fetch that tries again on 408, 429 (after its Retry-After), 502-504 and network failures: any method when
 * the server answered or was never reached, and idempotent ones whatever broke. Network failures that remain
 * are thrown as NetworkError.
 */
export function retryingFetch(policy: RetryPolicy = RETRY, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await base(request.clone());
      } catch (error) {
        const again = IDEMPOTENT.has(request.method) || neverSent(error);
        if (!again || attempt >= policy.attempts) throw new NetworkError(request.url, error);
        await sleep(backoffMs(attempt, policy));
        continue;
      }
      if (!RETRY_STATUSES.has(response.status) || attempt >= policy.attempts) return response;
      await response.body?.cancel();
      await sleep(Math.max(retryAfterMs(response, policy), backoffMs(attempt, policy)));
    }
  };
}

/** Runs `task` again while it fails with a transient error (isTransient), backing off between tries. */
export async function withRetries<T>(
  task: (attempt: number) => Promise<T>,
  policy: RetryPolicy = RETRY,
  onRetry?: (error: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (!isTransient(error) || attempt >= policy.attempts) throw error;
      onRetry?.(error, attempt);
      await sleep(backoffMs(attempt, policy));
    }
  }
}

/** Connections kept open between transfers (a thousand small files are a thousand requests). */
export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
  destroy(): void;
}

export function transferAgents(concurrency: number): Agents {
  const options = { keepAlive: true, maxSockets: concurrency };
  const http = new HttpAgent(options);
  const https = new HttpsAgent(options);
  return { http, https, destroy: () => (http.destroy(), https.destroy()) };
}

/** Counts the bytes flowing through. */
function counter(onBytes: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

async function problemOf(response: IncomingMessage): Promise<ApiError> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const status = { status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' };
  return ApiError.fromText(status, Buffer.concat(chunks).toString('utf8'));
}

/**
 * Streams a local file to a presigned upload with exactly its signed headers and its length. Node's http
 * rather than fetch: it sends Content-Length with a streamed body (the store refuses chunked uploads).
 */
export function putFile(
  upload: Upload,
  path: string,
  size: number,
  agents: Agents,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const url = new URL(upload.url);
  const secure = url.protocol === 'https:';
  return new Promise<void>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method: upload.method,
      agent: secure ? agents.https : agents.http,
      headers: { ...signedHeaders(upload), 'Content-Length': String(size) },
    });
    request.on('response', (response) => {
      if ((response.statusCode ?? 0) < 300) {
        response.resume();
        response.on('end', resolve);
      } else problemOf(response).then(reject, reject);
    });
    request.on('error', (error) => reject(new NetworkError(upload.url, error)));
    const body = createReadStream(path, { highWaterMark: 1024 * 1024 });
    pipeline(body, counter(onBytes), request).catch((error: unknown) => {
      // A refusal ends the request early; the response handler reports it.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') request.destroy(error as Error);
    });
  });
}

/** Streams a presigned GET into a file (created or truncated); answers the bytes' Content-Type. */
export async function getToFile(url: string, path: string, onBytes: (bytes: number) => void): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new NetworkError(url, error);
  }
  if (!response.ok || !response.body) throw ApiError.fromText(response, await response.text());
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), counter(onBytes), createWriteStream(path));
    return response.headers.get('content-type');
  } catch (error) {
    // The disk's own failures (full, read-only) are not the network's, and are not worth a retry.
    if ((error as NodeJS.ErrnoException).syscall) throw error;
    throw new NetworkError(url, error);
  }
}
