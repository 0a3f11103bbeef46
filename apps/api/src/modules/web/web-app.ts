import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '@app/config';
import { ObjectStorage } from '@app/storage';

/**
 * The web app's own paths (apps/web/src/routes.ts): none is, or starts, an API path, so a navigation to one
 * never shadows a route of the API.
 */
export const WEB_APP_SECTIONS = ['folders', 'shared', 'bin', 'account', 'signin', 'signup'] as const;

const NAVIGATION_PATH = new RegExp(`^/(?:(?:${WEB_APP_SECTIONS.join('|')})(?:/[^?]*)?)?(?:\\?.*)?$`);

/** A browser's navigation to a page of the app: GET, asking for HTML, at `/` or under one of its sections. */
export function isNavigation(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  return (
    request.method === 'GET' &&
    (request.headers.accept ?? '').includes('text/html') &&
    NAVIGATION_PATH.test(request.url)
  );
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Where a navigation should go instead, when the embedded store signs its URLs for one loopback name (PUBLIC_URL's
 * default, localhost) and the browser came by another (127.0.0.1, [::1]): a page on one origin cannot PUT to the
 * other (no CORS between them), so its uploads would all fail. Any other host is left alone: it is not ours to guess.
 */
export function loopbackRedirect(publicUrl: string, host: string | undefined, url: string): string | undefined {
  if (!host) return undefined;
  const canonical = new URL(publicUrl);
  let requested: URL;
  try {
    requested = new URL(`http://${host}`);
  } catch {
    return undefined;
  }
  if (!LOOPBACK_HOST.test(canonical.hostname) || !LOOPBACK_HOST.test(requested.hostname)) return undefined;
  if (requested.host === canonical.host) return undefined;
  return `${canonical.origin}${url}`;
}

/** The origins of object storage's presigned URLs, read off one it signs (the same code signs them all). */
export async function storageOrigins(storage: ObjectStorage): Promise<string[]> {
  try {
    const probe = await storage.presignDownload({ key: 'csp-probe', fileName: 'probe', expiresInSeconds: 60 });
    return [new URL(probe.url).origin];
  } catch (error) {
    // No credentials yet (they may come later from the SDK's chain): the app then reaches storage nowhere.
    new Logger('WebApp').warn(`Cannot tell the storage origin for the CSP: ${(error as Error).message}`);
    return [];
  }
}

/**
 * Serves the web app's build when there is one (`npm run build:web`): hashed assets under /assets/, cached
 * for good; index.html, never cached, for navigations to `/` and the app's sections. `GET /` from anything
 * but a browser (no `text/html` in Accept) stays the API's status JSON. Without a build, the API alone.
 */
export async function registerWebApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const dir = config.http.webDir;
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    new Logger('WebApp').log(`No web app at ${dir} (npm run build:web): serving the API alone`);
    return;
  }
  const indexHtml = readFileSync(indexFile);
  const embeddedStore = config.storage.driver === 'local';
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    cacheControl: false,
    // Names carry a hash of the content: a changed file is a new URL.
    setHeaders: (response) => response.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url === '/' || request.url.startsWith('/?')) void reply.header('Vary', 'Accept');
    if (!isNavigation(request)) return;
    const elsewhere = embeddedStore
      ? loopbackRedirect(config.storage.publicUrl, request.headers.host, request.url)
      : undefined;
    if (elsewhere) return reply.redirect(elsewhere, 308);
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
  });
}
