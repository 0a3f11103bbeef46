import { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppConfig, logLineOptions, NestJsonLogger, PinoLike } from '@app/config';

const TRUSTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's (or a proxy's) X-Request-Id when it is sane, so one id follows a request across services. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && TRUSTED_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Structured JSON logs through Fastify's own pino, in the shape the workers write too: the cheapest path
 * (pino-http as a Nest middleware halved the throughput of small routes).
 */
export function loggerOptions(config: AppConfig): FastifyServerOptions['logger'] {
  return logLineOptions(config.log.level);
}

/** The logger of the request being served, carried through its async work. */
const requestLogger = new AsyncLocalStorage<FastifyBaseLogger>();

/** Carries each request's logger through its async work, so Nest's Logger writes the request id too. */
export function addRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => requestLogger.run(request.log, done));
}

/** A presigned URL's signature is a bearer credential until it expires: it never goes to the logs. */
export const withoutSignature = (url: string): string =>
  url.replace(/([?&](?:sig|X-Amz-Signature)=)[^&]*/gi, '$1[redacted]');

/** One line per request, when it completes (none for the load balancer's /health), labelled `reqId`. */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'reqId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (request.url === '/health') return;
    const fields = {
      method: request.method,
      url: withoutSignature(request.url),
      status_code: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

/** Nest's logger, writing JSON lines through pino, with the request's id when there is a request. */
export class JsonLogger extends NestJsonLogger {
  protected override target(): PinoLike {
    return requestLogger.getStore() ?? super.target();
  }
}
