import { NestFactory } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { ObjectStorage } from '@app/storage';
import { ApiModule } from './api.module';
import { answerClientError } from './common/errors/client-error';
import { sendProblem } from './common/errors/problem.filter';
import { addRequestLogging, JsonLogger, loggerOptions, RequestLogController, requestId } from './common/http/logging';
import { addSecurityHeaders } from './common/http/security-headers';
import { refuseDeepBodies } from './common/validation/unsafe-input';
import { addEtags } from './common/http/etags';
import { limitSlowClients, serverTimeoutOptions } from './common/http/slow-clients';
import { addRateLimits } from './common/rate-limit/rate-limit.hook';
import { RateLimits } from './common/rate-limit/rate-limits';
import { registerLocalStorageRoutes } from './modules/storage/local-storage.routes';
import { registerWebApp, storageOrigins } from './modules/web/web-app';
import { buildOpenApiDocument, serveOpenApi } from './openapi';

/** JSON bodies above this are refused with 413 before they are read. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** Builds the API, ready to listen: the same application for `npm start`, the tests and the benchmark. */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy: config.http.trustProxy,
    ...serverTimeoutOptions(config.http.timeouts),
    genReqId: requestId,
    logger: loggerOptions(config),
    logController: new RequestLogController(),
    // Errors Fastify meets before routing (a malformed URL) skip the hooks below: same answer, same header.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, reply.header('X-Request-Id', request.id)),
    // And what Node's HTTP parser refuses before Fastify sees a request (bad framing, huge headers, a timeout).
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  app.useLogger(new JsonLogger(fastify.log));
  addRequestLogging(fastify);
  limitSlowClients(fastify, config);
  // onSend, not onRequest: CORS preflights and framework errors are answered before later onRequest hooks.
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  addEtags(fastify);
  // JSON and forms only: a text/plain body is refused with 415 rather than parsed into a string.
  fastify.removeContentTypeParser('text/plain');
  refuseDeepBodies(fastify);

  addSecurityHeaders(fastify, { storageOrigins: await storageOrigins(app.get(ObjectStorage)) });
  // Before the embedded store's routes are registered, so that they count too.
  addRateLimits(fastify, app.get(RateLimits), config);
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'WWW-Authenticate', 'Location'],
      maxAge: 600,
    });
  }
  await registerLocalStorageRoutes(app, config);
  serveOpenApi(app, await buildOpenApiDocument(app, config));
  await registerWebApp(app, config);
  await app.init();
  return app;
}
