import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A strong validator of the bytes sent: equal bodies, equal tags. */
export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether an If-None-Match header names the tag (or `*`); W/ prefixes compare weakly, as RFC 9110 says for GET. */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === bare);
}

/**
 * Conditional GETs of the API's JSON reads (listings, items, shares, the trash, the account): every 200 carries an
 * ETag of its body, and a request whose If-None-Match names it is answered 304 with no body. The answers depend on
 * who asks: `private, no-cache` (a browser keeps them, asks again each time, and is told in a few bytes that
 * nothing changed) and `Vary: Authorization`.
 */
export function addEtags(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    const etag = etagOf(payload);
    const vary = reply.getHeader('vary');
    void reply
      .header('ETag', etag)
      .header('Cache-Control', 'private, no-cache')
      .header('Vary', vary ? `${String(vary)}, Authorization` : 'Authorization');
    if (!matches(request.headers['if-none-match'], etag)) return payload;
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return '';
  });
}
