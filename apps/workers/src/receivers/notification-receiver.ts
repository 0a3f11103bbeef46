import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { S3EventRecord } from '@app/contracts';
import { EventDispatcher } from '../processing/event-dispatcher';

/** A notification is a few records; anything bigger is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

class ReceiverError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The self-hosted workers' front door: bucket notifications POSTed as MinIO and Ceph send them (S3's event
 * shape, `{Records: [...]}`, MinIO adding `EventName` and `Key`) to `/events`, with
 * `Authorization: Bearer <WORKERS_TOKEN>`. It answers once the records are processed: 200, or 503 when one
 * failed, so that the sender delivers it again (every step is idempotent). `GET /health` for probes.
 */
export class NotificationReceiver {
  private readonly logger = new Logger(NotificationReceiver.name);
  private readonly server: Server;
  private readonly tokenDigest: Buffer;

  constructor(
    private readonly dispatcher: EventDispatcher,
    token: string,
  ) {
    this.tokenDigest = digest(`Bearer ${token}`);
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '/').split('?')[0];
      if (path === '/health' && request.method === 'GET') return send(response, 200, { status: 'healthy' });
      if (path !== '/events') throw new ReceiverError(404, 'route_not_found', 'Notifications go to POST /events.');
      if (request.method !== 'POST') throw new ReceiverError(405, 'method_not_allowed', 'Use POST.');
      if (!this.authorised(request.headers.authorization)) {
        throw new ReceiverError(401, 'unauthorized', 'Send Authorization: Bearer <WORKERS_TOKEN>.');
      }
      const records = parseRecords(await readBody(request));
      try {
        const outcomes = await this.dispatcher.dispatch(records);
        send(response, 200, { outcomes });
      } catch {
        // Already logged by the dispatcher, record by record.
        throw new ReceiverError(503, 'service_unavailable', 'A record could not be processed; send it again.');
      }
    } catch (error) {
      const failure =
        error instanceof ReceiverError ? error : new ReceiverError(500, 'internal_error', 'Unexpected failure.');
      if (failure.status === 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : error);
      send(response, failure.status, { status: failure.status, code: failure.code, detail: failure.message });
    }
  }

  /** Compared as fixed-length digests, in constant time. */
  private authorised(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(digest(header), this.tokenDigest);
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ReceiverError(413, 'payload_too_large', 'A notification is at most 1 MiB.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ReceiverError(413, 'payload_too_large', 'A notification is at most 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseRecords(body: Buffer): S3EventRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ReceiverError(400, 'malformed_request', 'The body is not JSON.');
  }
  const records = (parsed as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records) || !records.every(isRecord)) {
    throw new ReceiverError(422, 'validation_failed', 'Expected an S3 event notification: {"Records": [...]}.');
  }
  return records;
}

function isRecord(value: unknown): value is S3EventRecord {
  const record = value as S3EventRecord | null;
  return (
    typeof record?.eventName === 'string' &&
    typeof record.s3?.object?.key === 'string' &&
    typeof record.s3.bucket?.name === 'string'
  );
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status < 400 ? 'application/json' : 'application/problem+json',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}
