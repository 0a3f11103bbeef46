import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { LOCAL_STORAGE_PATH } from '@app/storage';
import { lambdaSecretMatcher } from '../auth/lambda-secret.guard';
import { sendProblem } from '../errors/problem.filter';
import { clientKey } from './client-key';
import { Policy, RateLimited, RateLimits, rateLimitHeaders, recordedOutcomes, recordOutcomes } from './rate-limits';

/** The routes with a budget of their own, besides `api`, for POST. */
const POST_BUDGETS: Record<string, Policy> = {
  '/login': 'login',
  '/user': 'register',
  '/file': 'upload',
  '/files': 'upload',
  '/profile-photo': 'upload',
};

/**
 * The budgets a request counts against, by the route it matched (not its raw URL, which has many spellings).
 * /health (the load balancer's) counts against none; the embedded store's routes only against `storage`, so that
 * a batch of uploads does not spend the API's budget; every other route, and a route not found, against `api`.
 */
export function policiesOf(request: FastifyRequest): Policy[] {
  const route = request.routeOptions.url;
  if (route === '/health') return [];
  if (route === `${LOCAL_STORAGE_PATH}*`) return ['storage'];
  const own = request.method === 'POST' && route !== undefined ? POST_BUDGETS[route] : undefined;
  return own ? ['api', own] : ['api'];
}

/**
 * Counts every request against its client's budgets before its body is read, and answers 429 when one is spent.
 * The workers (the internal secret in X-Lambda-Secret) are not counted: their calls follow the uploads, which are.
 * In preParsing, after every onRequest hook: CORS has set its headers on the 429 too (and answered preflights).
 */
export function addRateLimits(fastify: FastifyInstance, limits: RateLimits, config: AppConfig): void {
  if (!limits.enabled) return;
  const isWorker = lambdaSecretMatcher(config.auth.lambdaSecret);

  fastify.addHook('preParsing', async (request, reply, payload) => {
    const policies = isWorker(request) ? [] : policiesOf(request);
    if (policies.length === 0) return payload;
    const key = clientKey(request.ip);
    const outcomes = await Promise.all(policies.map((policy) => limits.consume(policy, key)));
    if (outcomes.every((o) => o.allowed)) {
      recordOutcomes(request, outcomes);
      return payload;
    }
    sendProblem(new RateLimited(outcomes), reply);
    return reply;
  });

  fastify.addHook('onSend', async (request, reply) => {
    for (const [name, value] of Object.entries(rateLimitHeaders(recordedOutcomes(request)))) {
      void reply.header(name, value);
    }
  });
}
