import { AppConfig } from '@app/config';
import { RedisConnection } from '../redis/redis-connection';
import { RateLimited, RateLimits, rateLimitHeaders } from './rate-limits';

const BUDGET = { points: 3, windowSeconds: 60 };

function limitsWith(overrides: Partial<AppConfig['rateLimits']> = {}, connection?: RedisConnection): RateLimits {
  const rateLimits = {
    enabled: true,
    redisKeyPrefix: 'unused:',
    api: BUDGET,
    storage: BUDGET,
    login: BUDGET,
    loginPerAccount: { points: 2, windowSeconds: 30 },
    register: BUDGET,
    upload: BUDGET,
    ...overrides,
  };
  const config = { rateLimits, redis: { url: undefined } } as unknown as AppConfig;
  return new RateLimits(config, connection ?? new RedisConnection(config));
}

describe('RateLimits', () => {
  it('counts a key down to its budget, then refuses it until the window ends; other keys are apart', async () => {
    const limits = limitsWith();
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await limits.consume('login', '203.0.113.1'));
    expect(taken.map((o) => [o.allowed, o.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    for (const o of taken) {
      expect(o).toMatchObject({ policy: 'login', budget: BUDGET });
      expect(o.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(o.resetSeconds).toBeLessThanOrEqual(60);
    }
    expect((await limits.consume('login', '203.0.113.2')).allowed).toBe(true);
    expect((await limits.consume('api', '203.0.113.1')).allowed).toBe(true);
  });

  it('take() throws a 429 whose Retry-After is the spent budget’s reset; refund() gives a point back', async () => {
    const limits = limitsWith();
    await limits.take('login-account', 'user:a');
    await limits.refund('login-account', 'user:a');
    await limits.take('login-account', 'user:a');
    await limits.take('login-account', 'user:a');
    const error = await limits.take('login-account', 'user:a').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RateLimited);
    const limited = error as RateLimited;
    expect(limited.code).toBe('too_many_requests');
    expect(limited.outcomes).toEqual([expect.objectContaining({ policy: 'login-account', allowed: false })]);
    expect(limited.retryAfterSeconds).toBe(limited.outcomes[0].resetSeconds);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('switched off, never refuses', async () => {
    const limits = limitsWith({ enabled: false });
    for (let i = 0; i < 5; i++) await limits.take('login-account', 'user:a');
    await limits.refund('login-account', 'user:a');
    expect(limits.enabled).toBe(false);
  });

  it('counts in memory meanwhile when Redis cannot be reached, and shuts down cleanly', async () => {
    const connection = new RedisConnection({ redis: { url: 'redis://127.0.0.1:1' } });
    const limits = limitsWith({}, connection);
    await connection.onModuleInit();
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push((await limits.consume('upload', '203.0.113.9')).allowed);
    expect(taken).toEqual([true, true, true, false]);
    await connection.onApplicationShutdown();
  });
});

describe('rateLimitHeaders', () => {
  it('writes the draft’s two lists, one item per budget, in the order counted', () => {
    expect(
      rateLimitHeaders([
        {
          policy: 'api',
          budget: { points: 1200, windowSeconds: 60 },
          allowed: true,
          remaining: 1187,
          resetSeconds: 42,
        },
        { policy: 'login', budget: { points: 10, windowSeconds: 60 }, allowed: false, remaining: 0, resetSeconds: 17 },
      ]),
    ).toEqual({
      'RateLimit-Policy': '"api";q=1200;w=60, "login";q=10;w=60',
      RateLimit: '"api";r=1187;t=42, "login";r=0;t=17',
    });
    expect(rateLimitHeaders([])).toEqual({});
  });
});
