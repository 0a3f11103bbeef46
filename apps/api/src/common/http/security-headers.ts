import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export interface SecurityHeadersOptions {
  /** Origins of object storage (presigned PUTs and GETs, previews): the web app fetches from and shows them. */
  storageOrigins: string[];
}

/** Swagger UI's pages and its document. */
const DOCS_PATH = /^\/docs(?:$|[/?-])/;

/**
 * helmet's security headers on every response. The middlewares are built once here: @fastify/helmet
 * rebuilds them (and re-parses the CSP) on every request, which cost a third of a small route's throughput.
 * Two policies: Swagger UI at /docs runs its own script and inline styles; everything else (the web app, the
 * JSON routes) gets a strict one with no inline script or style, that reaches only this origin and storage.
 */
export function addSecurityHeaders(fastify: FastifyInstance, options: SecurityHeadersOptions): void {
  // Self-hosted over plain HTTP on a LAN address, an upgrade would break the pages.
  const common = { defaultSrc: ["'self'"], upgradeInsecureRequests: null };
  const docs = helmet({
    contentSecurityPolicy: {
      directives: {
        ...common,
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  const app = helmet({
    contentSecurityPolicy: {
      directives: {
        ...common,
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...options.storageOrigins],
        connectSrc: ["'self'", ...options.storageOrigins],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) =>
    (DOCS_PATH.test(request.url) ? docs : app)(request.raw, reply.raw, (error?: unknown) =>
      done(error as Error | undefined),
    ),
  );
}
