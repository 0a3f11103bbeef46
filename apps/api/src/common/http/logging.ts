import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '@app/config';

const TRUSTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's (or a proxy's) X-Request-Id when it is sane, so one id follows a request across services. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && TRUSTED_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Structured JSON logs: one line per request, and every line logged while serving it carries its `reqId`. */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      // Fastify has already chosen the id (FastifyAdapter genReqId) and middie copies it onto the raw request.
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestId(req),
      quietReqLogger: true,
      redact: ['req.headers.authorization', 'req.headers["x-lambda-secret"]', 'req.headers.cookie'],
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/health' },
    },
  };
}
