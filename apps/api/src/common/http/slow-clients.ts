import { rawProblemResponse } from '../errors/client-error';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { AppConfig, HttpTimeouts } from '@app/config';

/**
 * Marks a route whose body streams for as long as it keeps moving (the embedded store's upload, up to 5 GiB):
 * the body timeout does not apply to it, the idle timeout does.
 */
export const STREAMED_BODY = { streamedBody: true } as const;

/** The server's own timeouts, as Fastify's options: headers, idle connections, kept-alive connections. */
export function serverTimeoutOptions(timeouts: HttpTimeouts): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout'
> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  const headersMs = timeouts.headersSeconds * 1000;
  return {
    // Node closes a socket on which no byte moved for this long (a stalled body, a stalled reader).
    connectionTimeout: timeouts.idleSeconds * 1000,
    keepAliveTimeout: timeouts.keepAliveSeconds * 1000,
    // Node's whole-request timeout would cut a long upload that is still moving: bodies are timed by timeBodies.
    requestTimeout: 0,
    http: {
      headersTimeout: headersMs,
      requestTimeout: 0,
      // Node looks for late headers only this often (30 s by default): check often enough to keep the limit.
      connectionsCheckingInterval: Math.min(1000, headersMs),
    },
  };
}

/** Nothing was answered yet: tell the client why before closing, as late headers are answered. */
const REQUEST_TIMEOUT_RESPONSE = rawProblemResponse('request_timeout', 'The request body did not arrive in time.');

/**
 * Closes the connection of a request whose body has not arrived whole within `bodySeconds` of its headers,
 * however slowly it trickles in (a trickle resets the idle timeout forever). Routes marked STREAMED_BODY are exempt.
 */
export function timeBodies(fastify: FastifyInstance, { bodySeconds }: HttpTimeouts): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config as Partial<typeof STREAMED_BODY> | undefined;
    if (request.raw.complete || config?.streamedBody) return done();
    const timer = setTimeout(() => {
      const socket = request.raw.socket;
      if (request.raw.complete || socket.destroyed) return;
      request.log.info({ timeout: 'body' }, 'request body too slow: connection closed');
      if (!reply.raw.headersSent && socket.writable) socket.end(REQUEST_TIMEOUT_RESPONSE, () => socket.destroy());
      else socket.destroy();
    }, bodySeconds * 1000);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}

/**
 * Refuses connections beyond `max` open ones from one client address (closed as soon as they are accepted,
 * before a byte is read): one client cannot hold every socket. The address is the TCP peer's, never a header.
 */
export function limitConnectionsPerClient(server: Server, max: number, { exemptLoopback = false } = {}): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    // An IPv4 client on a dual-stack socket is ::ffff:a.b.c.d: one client, whichever way it came.
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (exemptLoopback && isLoopback(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** All the limits on slow or greedy clients that live outside Fastify's options. */
export function limitSlowClients(fastify: FastifyInstance, config: AppConfig): void {
  timeBodies(fastify, config.http.timeouts);
  // The embedded workers call the API over loopback, one connection per confirmation in flight: a burst of uploads
  // must not have their confirmations refused (their events are not delivered again).
  limitConnectionsPerClient(fastify.server, config.http.maxConnectionsPerIp, {
    exemptLoopback: config.workers.embedded,
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
