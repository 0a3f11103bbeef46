import { AppConfig } from '@app/config';
import { UsersRepository } from '@app/db';
import { JwtStrategy } from './jwt.strategy';

const USER_ID = '0b7c3f0e-8f4a-4d2e-9a55-3b1f1d2c4e5f';
const EXP = 1_795_826_400;

describe('JwtStrategy.validate', () => {
  let users: { findIdentity: jest.Mock };
  let strategy: JwtStrategy;

  beforeEach(() => {
    users = { findIdentity: jest.fn() };
    const config = { auth: { jwtSecret: 's'.repeat(32) } } as unknown as AppConfig;
    strategy = new JwtStrategy(config, users as unknown as UsersRepository);
  });

  it.each([
    ['a sub that is not a UUID', { sub: 'alice', exp: EXP }],
    ['a sub with SQL in it', { sub: `${USER_ID}' OR '1'='1`, exp: EXP }],
    ['a numeric sub', { sub: 42 as unknown as string, exp: EXP }],
    ['no sub', { exp: EXP }],
    ['no exp', { sub: USER_ID }],
  ])('refuses %s without querying the database', async (_, claims) => {
    await expect(strategy.validate(claims)).resolves.toBe(false);
    expect(users.findIdentity).not.toHaveBeenCalled();
  });

  it('refuses the token of a user who no longer exists', async () => {
    users.findIdentity.mockResolvedValue(null);
    await expect(strategy.validate({ sub: USER_ID, exp: EXP })).resolves.toBe(false);
    expect(users.findIdentity).toHaveBeenCalledWith(USER_ID);
  });

  it('refuses a token issued under an earlier token version (logged out, password changed)', async () => {
    users.findIdentity.mockResolvedValue({ id: USER_ID, username: 'alice', tokenVersion: 2 });
    await expect(strategy.validate({ sub: USER_ID, ver: 1, exp: EXP })).resolves.toBe(false);
    await expect(strategy.validate({ sub: USER_ID, exp: EXP })).resolves.toBe(false);
    await expect(strategy.validate({ sub: USER_ID, ver: 2, exp: EXP })).resolves.toMatchObject({ id: USER_ID });
  });

  it('answers with the user and when the token expires (exp is in seconds)', async () => {
    users.findIdentity.mockResolvedValue({ id: USER_ID, username: 'alice', tokenVersion: 0 });
    await expect(strategy.validate({ sub: USER_ID, jti: 'j', iat: EXP - 1800, exp: EXP })).resolves.toEqual({
      id: USER_ID,
      username: 'alice',
      tokenExpiresAt: new Date(EXP * 1000),
    });
  });

  it('passes a database failure on rather than treating it as an invalid token', async () => {
    const failure = new Error('connection terminated');
    users.findIdentity.mockRejectedValue(failure);
    await expect(strategy.validate({ sub: USER_ID, exp: EXP })).rejects.toBe(failure);
  });
});
