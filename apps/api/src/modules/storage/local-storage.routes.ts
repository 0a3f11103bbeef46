import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { AppError, ErrorCode } from '@app/contracts';
import {
  AllowedDownload,
  AllowedUpload,
  LOCAL_STORAGE_PATH,
  LocalObjectStorage,
  OpenedObject,
  QueryValues,
} from '@app/storage';
import { sendProblem } from '../../common/errors/problem.filter';
import { STREAMED_BODY } from '../../common/http/slow-clients';
import { parseRange } from './byte-range';

/**
 * A refused upload whose body is larger than this is answered with `Connection: close` rather than
 * read to the end and thrown away (Node drains an unread body to keep the connection).
 */
const DRAIN_AT_MOST = 1024 * 1024;

interface LocalStorageRoutesOptions {
  storage: LocalObjectStorage;
  /** The largest body the upload route accepts. */
  bodyLimit: number;
}

/**
 * The embedded store's presigned URLs, served by the API (only when there is no S3 bucket):
 * `PUT /storage/<key>` takes an upload's bytes, `GET /storage/<key>` serves them.
 */
export async function registerLocalStorageRoutes(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  if (config.storage.driver !== 'local') return;
  const storage = app.get(LocalObjectStorage);
  await app.register(localStorageRoutes, { storage, bodyLimit: config.storage.maxUploadBytes });
}

/**
 * A Fastify plugin, not Nest controllers: the bytes stream from the socket to the disk and back, and Nest's
 * app refuses bodies that are not JSON. Encapsulated, so its body handling stays its own.
 */
export async function localStorageRoutes(
  fastify: FastifyInstance,
  { storage, bodyLimit }: LocalStorageRoutesOptions,
): Promise<void> {
  // The handler streams the body itself: no parser may read it, whatever its type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  fastify.setErrorHandler((error, _request, reply) => sendProblem(error, reply));

  const allowed = new WeakMap<FastifyRequest, AllowedUpload>();

  fastify.route({
    method: 'PUT',
    url: `${LOCAL_STORAGE_PATH}*`,
    bodyLimit,
    // Up to 5 GiB: timed by the idle timeout (a body that stops moving), not by how long it takes in all.
    config: STREAMED_BODY,
    // Judged on the URL and headers alone, before a byte of the body is read.
    onRequest: async (request, reply) => {
      const declared = Number(request.headers['content-length']);
      if (declared > bodyLimit) {
        return refuse(request, reply, 'payload_too_large', `Uploads are limited to ${bodyLimit} bytes.`);
      }
      const key = keyOfUrl(request.url);
      const verdict =
        key === undefined
          ? ({ ok: false, code: 'upload_url_invalid', detail: 'This upload URL is not valid.' } as const)
          : storage.verifyUpload(key, request.query as QueryValues, request.headers);
      if (!verdict.ok) return refuse(request, reply, verdict.code, verdict.detail);
      // A used write-once URL is refused before its body is read (and again, atomically, when it is placed).
      if (!verdict.value.overwrite && (await storage.exists(verdict.value.key))) {
        return refuse(
          request,
          reply,
          'upload_already_received',
          'This upload URL has been used: an upload URL writes once. Ask the API for a new one.',
        );
      }
      allowed.set(request, verdict.value);
    },
    handler: async (request, reply) => {
      const upload = allowed.get(request)!;
      try {
        const stored = await storage.receive(upload.key, request.raw, upload.sizeBytes, upload.contentType, {
          overwrite: upload.overwrite,
        });
        return reply.status(200).header('ETag', `"${stored.etag}"`).send();
      } catch (error) {
        // The client went away mid-upload: the partial file is gone already and nobody is left to answer.
        if (reply.raw.destroyed || request.raw.socket?.destroyed !== false) {
          reply.hijack();
          reply.raw.destroy();
          return reply;
        }
        throw error;
      }
    },
  });

  fastify.route({
    method: ['GET', 'HEAD'],
    url: `${LOCAL_STORAGE_PATH}*`,
    handler: async (request, reply) => {
      const key = keyOfUrl(request.url);
      const verdict =
        key === undefined
          ? ({ ok: false, code: 'download_url_invalid', detail: 'This download URL is not valid.' } as const)
          : storage.verifyDownload(key, request.query as QueryValues);
      if (!verdict.ok) return problem(reply, verdict.code, verdict.detail);
      const opened = await storage.open(verdict.value.key);
      // A URL pinned to an ETag serves those bytes or none.
      if (opened && verdict.value.etag !== undefined && opened.etag !== verdict.value.etag) await opened.close();
      else if (opened) return serve(request, reply, opened, verdict.value);
      return problem(reply, 'object_not_found', 'There is no file at this URL any more.');
    },
  });
}

/** Answers a verified GET or HEAD with the object opened for it (a range of it, when asked and satisfiable). */
async function serve(
  request: FastifyRequest,
  reply: FastifyReply,
  opened: OpenedObject,
  allowed: AllowedDownload,
): Promise<FastifyReply> {
  const size = opened.head.sizeBytes;
  const range = parseRange(request.headers.range, size);
  if (range.kind === 'unsatisfiable') {
    await opened.close();
    void reply.header('Content-Range', `bytes */${size}`);
    return problem(reply, 'range_not_satisfiable', `The file has ${size} bytes: ask for a range within them.`);
  }
  void reply
    .header('Accept-Ranges', 'bytes')
    .header('Content-Type', allowed.contentType ?? opened.head.contentType ?? 'application/octet-stream')
    .header('Content-Disposition', allowed.contentDisposition)
    .header('Cache-Control', allowed.cacheControl ?? 'private, max-age=0')
    // The URL is the credential: let a web app on another origin show it (an <img> of a preview).
    .header('Cross-Origin-Resource-Policy', 'cross-origin');
  if (opened.etag) void reply.header('ETag', `"${opened.etag}"`);
  if (opened.head.lastModified) void reply.header('Last-Modified', opened.head.lastModified.toUTCString());

  const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  if (part) void reply.status(206).header('Content-Range', `bytes ${part.start}-${part.end}/${size}`);
  void reply.header('Content-Length', String(part ? part.end - part.start + 1 : size));
  if (request.method === 'HEAD' || size === 0) {
    await opened.close();
    return reply.send();
  }
  return reply.send(opened.stream(part));
}

/** The object key a `/storage/…` URL names (each segment percent-decoded), or undefined when it names none. */
export function keyOfUrl(url: string): string | undefined {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.startsWith(LOCAL_STORAGE_PATH)) return undefined;
  try {
    return path.slice(LOCAL_STORAGE_PATH.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

function problem(reply: FastifyReply, code: ErrorCode, detail: string): FastifyReply {
  sendProblem(new AppError(code, detail), reply);
  return reply;
}

/** Refuses an upload before its body is read; a large unread body closes the connection rather than be drained. */
function refuse(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, detail: string): FastifyReply {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (request.headers['transfer-encoding'] !== undefined || !(declared <= DRAIN_AT_MOST)) {
    void reply.header('Connection', 'close');
  }
  return problem(reply, code, detail);
}
