import { AppConfig } from '@app/config';
import { UsersRepository } from '@app/db';
import { Cache } from '../../common/cache/cache';
import { JwtStrategy } from './jwt.strategy';

const USER_ID = '0b7c3f0e-8f4a-4d2e-9a55-3b1f1d2c4e5f';
const JTI = '5d0c1e52-7a1b-4f39-8c2e-6b9a0d4f3e21';
const EXP = 1_795_826_400;

describe('JwtStrategy.validate', () => {
  let users: { findIdentity: jest.Mock };
  let strategy: JwtStrategy;

  beforeEach(() => {
    users = { findIdentity: jest.fn() };
    const config = { auth: { jwtSecret: 's'.repeat(32) } } as unknown as AppConfig;
    // No cache: every call reads (the cache has its own tests).
    const cache = { remember: (_user: string, _name: string, load: () => Promise<unknown>) => load() };
    strategy = new JwtStrategy(config, users as unknown as UsersRepository, cache as unknown as Cache);
  });

  const identity = (overrides: object = {}) => ({
    id: USER_ID,
    username: 'alice',
    tokenVersion: 0,
    revoked: false,
    ...overrides,
  });

  it.each([
    ['a sub that is not a UUID', { sub: 'alice', jti: JTI, exp: EXP }],
    ['a sub with SQL in it', { sub: `${USER_ID}' OR '1'='1`, jti: JTI, exp: EXP }],
    ['a numeric sub', { sub: 42 as unknown as string, jti: JTI, exp: EXP }],
    ['no sub', { jti: JTI, exp: EXP }],
    ['no exp', { sub: USER_ID, jti: JTI }],
    ['no jti (it could not be logged out alone)', { sub: USER_ID, exp: EXP }],
    ['a jti that is not a UUID', { sub: USER_ID, jti: 'j', exp: EXP }],
    ['a jti with SQL in it', { sub: USER_ID, jti: `${JTI}' OR '1'='1`, exp: EXP }],
  ])('refuses %s without querying the database', async (_, claims) => {
    await expect(strategy.validate(claims)).resolves.toBe(false);
    expect(users.findIdentity).not.toHaveBeenCalled();
  });

  it('refuses the token of a user who no longer exists', async () => {
    users.findIdentity.mockResolvedValue(null);
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, exp: EXP })).resolves.toBe(false);
    expect(users.findIdentity).toHaveBeenCalledWith(USER_ID, JTI);
  });

  it('refuses a token issued under an earlier token version (logged out everywhere, password changed)', async () => {
    users.findIdentity.mockResolvedValue(identity({ tokenVersion: 2 }));
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, ver: 1, exp: EXP })).resolves.toBe(false);
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, exp: EXP })).resolves.toBe(false);
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, ver: 2, exp: EXP })).resolves.toMatchObject({
      id: USER_ID,
    });
  });

  it('refuses a token that was logged out, asking about it in the same lookup as the user', async () => {
    users.findIdentity.mockResolvedValue(identity({ revoked: true }));
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, ver: 0, exp: EXP })).resolves.toBe(false);
    expect(users.findIdentity).toHaveBeenCalledTimes(1);
    expect(users.findIdentity).toHaveBeenCalledWith(USER_ID, JTI);
  });

  it('answers with the user, the token’s jti and when it expires (exp is in seconds)', async () => {
    users.findIdentity.mockResolvedValue(identity());
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, iat: EXP - 1800, exp: EXP })).resolves.toEqual({
      id: USER_ID,
      username: 'alice',
      tokenId: JTI,
      tokenExpiresAt: new Date(EXP * 1000),
    });
  });

  it('passes a database failure on rather than treating it as an invalid token', async () => {
    const failure = new Error('connection terminated');
    users.findIdentity.mockRejectedValue(failure);
    await expect(strategy.validate({ sub: USER_ID, jti: JTI, exp: EXP })).rejects.toBe(failure);
  });
});
