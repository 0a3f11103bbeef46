import { Inject, Injectable, Module } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, RateBudget, RateLimitsConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { RedisConnection, RedisModule } from '../redis/redis-connection';

/** The budgets, by the name the RateLimit headers give them. */
export const POLICIES = {
  api: 'api',
  storage: 'storage',
  login: 'login',
  'login-account': 'loginPerAccount',
  register: 'register',
  upload: 'upload',
} as const satisfies Record<string, keyof Omit<RateLimitsConfig, 'enabled' | 'redisKeyPrefix'>>;

export type Policy = keyof typeof POLICIES;

/** What one request took from one budget. */
export interface Outcome {
  policy: Policy;
  budget: RateBudget;
  allowed: boolean;
  remaining: number;
  /** Seconds until the budget's window ends and it is whole again. */
  resetSeconds: number;
}

/**
 * A 429: what the request took from each of its budgets, one or more of them spent. `Retry-After` is when the
 * last spent one is whole again.
 */
export class RateLimited extends AppError {
  readonly retryAfterSeconds: number;

  constructor(readonly outcomes: Outcome[]) {
    const spent = outcomes.filter((o) => !o.allowed);
    const retryAfterSeconds = Math.max(1, ...spent.map((o) => o.resetSeconds));
    super(
      'too_many_requests',
      `Too many requests (${spent.map((o) => o.policy).join(', ')}): try again in ${retryAfterSeconds} s.`,
    );
    this.name = 'RateLimited';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The counters of every budget: in this process's memory, or in Redis when REDIS_URL is set, so that every
 * replica counts against the same budgets. Should Redis fail, each replica counts in its own memory meanwhile.
 */
@Injectable()
export class RateLimits {
  private readonly limiters = new Map<Policy, RateLimiterAbstract>();
  readonly enabled: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    connection: RedisConnection,
  ) {
    const limits = config.rateLimits;
    this.enabled = limits.enabled;
    if (!this.enabled) return;
    const redis = connection.client();
    for (const [policy, field] of Object.entries(POLICIES) as [Policy, keyof typeof limits][]) {
      const { points, windowSeconds } = limits[field] as RateBudget;
      const memory = new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: policy });
      this.limiters.set(
        policy,
        redis
          ? new RateLimiterRedis({
              storeClient: redis,
              points,
              duration: windowSeconds,
              keyPrefix: `${limits.redisKeyPrefix}${policy}`,
              rejectIfRedisNotReady: true,
              insuranceLimiter: memory,
            })
          : memory,
      );
    }
  }

  budget(policy: Policy): RateBudget {
    return this.config.rateLimits[POLICIES[policy]] as RateBudget;
  }

  /** Takes one request from `policy`'s budget for `key`; a spent budget answers `allowed: false`. */
  async consume(policy: Policy, key: string): Promise<Outcome> {
    const limiter = this.limiters.get(policy)!;
    const budget = this.budget(policy);
    try {
      return outcome(policy, budget, await limiter.consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return outcome(policy, budget, rejection, false);
      throw rejection;
    }
  }

  /** Takes one request from `policy`'s budget for `key`, or throws RateLimited when it is spent. */
  async take(policy: Policy, key: string): Promise<void> {
    if (!this.enabled) return;
    const taken = await this.consume(policy, key);
    if (!taken.allowed) throw new RateLimited([taken]);
  }

  /** Gives back a point taken for `key` (a login that turned out right). */
  async refund(policy: Policy, key: string): Promise<void> {
    if (this.enabled) await this.limiters.get(policy)!.reward(key, 1);
  }
}

function outcome(policy: Policy, budget: RateBudget, res: RateLimiterRes, allowed: boolean): Outcome {
  return {
    policy,
    budget,
    allowed,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(allowed ? 0 : 1, Math.ceil(res.msBeforeNext / 1000)),
  };
}

const outcomesOf = new WeakMap<FastifyRequest, Outcome[]>();

/** Notes what a request took from its budgets, for its response's RateLimit headers. */
export function recordOutcomes(request: FastifyRequest, outcomes: Outcome[]): void {
  outcomesOf.set(request, [...(outcomesOf.get(request) ?? []), ...outcomes]);
}

export function recordedOutcomes(request: FastifyRequest): Outcome[] {
  return outcomesOf.get(request) ?? [];
}

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-10/-11): structured-field
 * lists of one item per budget, `"name";q=quota;w=window` and `"name";r=remaining;t=seconds-to-reset`.
 */
export function rateLimitHeaders(outcomes: Outcome[]): Record<string, string> {
  if (outcomes.length === 0) return {};
  return {
    'RateLimit-Policy': outcomes
      .map((o) => `"${o.policy}";q=${o.budget.points};w=${o.budget.windowSeconds}`)
      .join(', '),
    RateLimit: outcomes.map((o) => `"${o.policy}";r=${o.remaining};t=${o.resetSeconds}`).join(', '),
  };
}

@Module({ imports: [RedisModule], providers: [RateLimits], exports: [RateLimits] })
export class RateLimitModule {}
