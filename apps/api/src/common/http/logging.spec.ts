import fastify, { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { loadConfig } from '@app/config';
import {
  addRequestLogging,
  JsonLogger,
  loggerOptions,
  RequestLogController,
  requestId,
  withoutSignature,
} from './logging';

/** A Fastify server logging as the API does, into memory. */
function loggingServer(): { app: FastifyInstance; lines: () => Record<string, unknown>[] } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  const config = loadConfig({
    DATABASE_URL: 'postgres://x/y',
    JWT_SECRET: 'j'.repeat(32),
    LAMBDA_SECRET: 'l'.repeat(32),
  });
  const app = fastify({
    logger: { ...(loggerOptions(config) as object), stream },
    logController: new RequestLogController(),
    genReqId: requestId,
  });
  addRequestLogging(app);
  const nestLogger = new JsonLogger(app.log);
  app.get('/work', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    nestLogger.log('working', 'FilesService');
    nestLogger.error(new Error('it broke'), 'stack trace here', 'FilesService');
    return { ok: true };
  });
  app.get('/health', async () => ({ status: 'healthy' }));
  return {
    app,
    lines: () =>
      written
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

describe('request logging', () => {
  it('writes one JSON line per request, and Nest log lines inside it carry the same reqId', async () => {
    const { app, lines } = loggingServer();
    const res = await app.inject({ method: 'GET', url: '/work', headers: { 'x-request-id': 'trace-42' } });
    expect(res.statusCode).toBe(200);
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', reqId: 'trace-42', context: 'FilesService', msg: 'working' }),
      expect.objectContaining({
        level: 'error',
        reqId: 'trace-42',
        context: 'FilesService',
        msg: 'it broke',
        detail: ['stack trace here'],
      }),
      expect.objectContaining({
        level: 'info',
        reqId: 'trace-42',
        method: 'GET',
        url: '/work',
        status_code: 200,
        msg: 'request completed',
      }),
    ]);
    expect(lines()[0].time).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('does not log the load balancer’s /health, and logs outside a request without a reqId', async () => {
    const { app, lines } = loggingServer();
    await app.inject({ method: 'GET', url: '/health' });
    new JsonLogger(app.log).warn({ note: 'at start-up' });
    expect(lines()).toEqual([expect.objectContaining({ level: 'warn', note: 'at start-up' })]);
    expect(lines()[0]).not.toHaveProperty('reqId');
  });

  it('never writes the authorization or X-Lambda-Secret headers', async () => {
    const { app, lines } = loggingServer();
    app.log.info({ req: { headers: { authorization: 'Bearer secret-token', 'x-lambda-secret': 'shh' } } }, 'x');
    expect(JSON.stringify(lines())).not.toMatch(/secret-token|shh/);
  });
});

describe('withoutSignature', () => {
  it('keeps presigned URLs’ signatures out of the logs', () => {
    expect(withoutSignature('/storage/files/a/b?expires=1&size=2&sig=abcdef&type=x')).toBe(
      '/storage/files/a/b?expires=1&size=2&sig=[redacted]&type=x',
    );
    expect(withoutSignature('/x?X-Amz-Signature=123')).toBe('/x?X-Amz-Signature=[redacted]');
    expect(withoutSignature('/drive?sort_by=name')).toBe('/drive?sort_by=name');
  });
});
