import Fastify from 'fastify';
import { AppError } from '@app/contracts';
import { MAX_BODY_DEPTH, refuseDeepBodies, unreadableStrings, UNREADABLE_MESSAGE } from './unsafe-input';

const nested = (levels: number): unknown => (levels === 1 ? {} : { child: nested(levels - 1) });

describe('refuseDeepBodies', () => {
  /** A bare Fastify app with the hook and a route that reads any body without validating it. */
  async function app() {
    const fastify = Fastify();
    refuseDeepBodies(fastify);
    fastify.setErrorHandler((error, _request, reply) =>
      reply.status(error instanceof AppError ? 422 : 500).send({ code: (error as AppError).code }),
    );
    fastify.post('/echo', async (request) => ({ received: request.body !== undefined }));
    await fastify.ready();
    return fastify;
  }

  it('refuses a JSON body nested deeper than MAX_BODY_DEPTH before any handler reads it', async () => {
    const fastify = await app();
    const res = await fastify.inject({ method: 'POST', url: '/echo', payload: { a: nested(3000) } });
    expect([res.statusCode, res.json()]).toEqual([422, { code: 'validation_failed' }]);
    await fastify.close();
  });

  it('lets a body of exactly MAX_BODY_DEPTH levels, and a request without a body, through', async () => {
    const fastify = await app();
    const atLimit = await fastify.inject({ method: 'POST', url: '/echo', payload: nested(MAX_BODY_DEPTH) as object });
    expect([atLimit.statusCode, atLimit.json()]).toEqual([200, { received: true }]);
    const none = await fastify.inject({ method: 'POST', url: '/echo' });
    expect([none.statusCode, none.json()]).toEqual([200, { received: false }]);
    await fastify.close();
  });
});

describe('unreadableStrings', () => {
  it('names every string with a NUL or a lone surrogate by its dotted path, in the order of the document', () => {
    expect(
      unreadableStrings({ a: 'fine', b: ['ok', 'x\u0000'], c: { d: '\ud800', e: '😀' }, f: 3, g: null }, 'query'),
    ).toEqual([
      { field: 'query.b.1', message: UNREADABLE_MESSAGE },
      { field: 'query.c.d', message: UNREADABLE_MESSAGE },
    ]);
  });

  it('finds nothing in emoji, accents, RTL text and control characters other than NUL', () => {
    expect(unreadableStrings({ a: '😀 é e\u0301 שלום \t\n\u0001 \u202e' })).toEqual([]);
  });
});
