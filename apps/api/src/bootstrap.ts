import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@app/config';
import { ApiModule } from './api.module';
import { sendProblem } from './common/errors/problem.filter';
import { requestId } from './common/http/logging';
import { buildOpenApiDocument, serveOpenApi } from './openapi';

/** JSON bodies above this are refused with 413 before they are read. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** Builds the API, ready to listen: the same application for `npm start`, the tests and the benchmark. */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy: config.http.trustProxy,
    genReqId: requestId,
    // Errors Fastify meets before routing (a malformed URL) skip the hooks below: same answer, same header.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, reply.header('X-Request-Id', request.id)),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));

  const fastify = app.getHttpAdapter().getInstance();
  // onSend, not onRequest: CORS preflights and framework errors are answered before later onRequest hooks.
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // JSON and forms only: a text/plain body is refused with 415 rather than parsed into a string.
  fastify.removeContentTypeParser('text/plain');

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Location'],
      maxAge: 600,
    });
  }
  serveOpenApi(app, await buildOpenApiDocument(app, config));
  await app.init();
  return app;
}
