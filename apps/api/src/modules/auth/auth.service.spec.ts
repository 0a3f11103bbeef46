import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { SharesRepository, Transactions, User, UsersRepository } from '@app/db';
import type { ObjectStorage } from '@app/storage';
import { RateLimited, RateLimits } from '../../common/rate-limit/rate-limits';
import type { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { ChangeLog } from '../changes';
import { Cache } from '../../common/cache/cache';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TTL = 900;
const QUOTA = 123_456_789;
const DUMMY_HASH = '$2b$04$dummy.hash.made.once.at.module.init.xxxxxxxxxxxxxxxxxxx';

const alice: User = {
  id: '0b7c3f0e-8f4a-4d2e-9a55-3b1f1d2c4e5f',
  username: 'alice',
  email: 'alice@example.com',
  passwordHash: '$2b$04$alice.real.hash.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  quotaBytes: QUOTA,
  tokenVersion: 3,
  usedBytes: 0,
  reservedBytes: 0,
  createdAt: new Date('2026-11-27T10:00:00.000Z'),
  updatedAt: new Date('2026-11-27T10:00:00.000Z'),
};

describe('AuthService', () => {
  let users: { findByLogin: jest.Mock; create: jest.Mock; findById: jest.Mock; delete: jest.Mock };
  let passwords: { hash: jest.Mock; verify: jest.Mock };
  let jwt: { signAsync: jest.Mock };
  let limits: { take: jest.Mock; refund: jest.Mock };
  let service: AuthService;

  beforeEach(() => {
    users = { findByLogin: jest.fn(), create: jest.fn(), findById: jest.fn(), delete: jest.fn() };
    passwords = { hash: jest.fn().mockResolvedValueOnce(DUMMY_HASH), verify: jest.fn() };
    jwt = { signAsync: jest.fn().mockResolvedValue('signed.jwt.token') };
    limits = { take: jest.fn().mockResolvedValue(undefined), refund: jest.fn().mockResolvedValue(undefined) };
    const config = { auth: { jwtTtlSeconds: TTL }, quota: { defaultBytes: QUOTA } } as unknown as AppConfig;
    service = new AuthService(
      users as unknown as UsersRepository,
      passwords as unknown as PasswordHasher,
      jwt as unknown as JwtService,
      config,
      {} as ObjectStorage,
      limits as unknown as RateLimits,
      {} as Transactions,
      {} as SharesRepository,
      {} as ChangeLog,
      { changed: jest.fn(), changedForEveryone: jest.fn() } as unknown as Cache,
    );
    service.onModuleInit();
  });

  const loginError = async (username: string, password: string): Promise<AppError> => {
    const error = await service.login({ username, password }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };

  describe('login', () => {
    it('checks an unknown user’s password against the dummy hash, as much work as a wrong password', async () => {
      users.findByLogin.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(false);

      const error = await loginError('nobody', 'some password');

      expect(users.findByLogin).toHaveBeenCalledWith('nobody');
      expect(passwords.verify).toHaveBeenCalledTimes(1);
      expect(passwords.verify).toHaveBeenCalledWith('some password', DUMMY_HASH);
      expect(error.code).toBe('invalid_credentials');
      expect(jwt.signAsync).not.toHaveBeenCalled();
    });

    it('hashes the dummy password once, at start-up, not on every login', async () => {
      expect(passwords.hash).toHaveBeenCalledTimes(1);
      users.findByLogin.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(false);
      await loginError('nobody', 'one');
      await loginError('nobody', 'two');
      expect(passwords.hash).toHaveBeenCalledTimes(1);
      expect(passwords.verify.mock.calls.map(([, hash]) => hash)).toEqual([DUMMY_HASH, DUMMY_HASH]);
    });

    it('refuses an unknown user even if the dummy hash were to match', async () => {
      users.findByLogin.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(true);
      expect((await loginError('nobody', 'x')).code).toBe('invalid_credentials');
      expect(jwt.signAsync).not.toHaveBeenCalled();
    });

    it('answers a wrong password exactly as an unknown user', async () => {
      passwords.verify.mockResolvedValue(false);
      users.findByLogin.mockResolvedValue(alice);
      const wrongPassword = await loginError('alice', 'wrong password');
      users.findByLogin.mockResolvedValue(null);
      const unknownUser = await loginError('nobody', 'wrong password');

      expect(passwords.verify).toHaveBeenNthCalledWith(1, 'wrong password', alice.passwordHash);
      expect(wrongPassword.code).toBe('invalid_credentials');
      expect([wrongPassword.code, wrongPassword.detail, wrongPassword.extra]).toEqual([
        unknownUser.code,
        unknownUser.detail,
        unknownUser.extra,
      ]);
      expect(jwt.signAsync).not.toHaveBeenCalled();
    });

    it('never accepts a password over 72 bytes (bcrypt would compare its prefix), after the same work', async () => {
      users.findByLogin.mockResolvedValue(alice);
      passwords.verify.mockResolvedValue(true);
      const tooLong = '€'.repeat(25);

      const error = await loginError('alice', tooLong);

      expect(error.code).toBe('invalid_credentials');
      expect(passwords.verify).toHaveBeenCalledWith(tooLong, DUMMY_HASH);
      expect(jwt.signAsync).not.toHaveBeenCalled();
    });

    it('issues a bearer token for the right password, signed with the user id, a fresh jti and the configured lifetime', async () => {
      users.findByLogin.mockResolvedValue(alice);
      passwords.verify.mockResolvedValue(true);

      const token = await service.login({ username: 'alice@example.com', password: 'right password' });

      expect(token).toEqual({ access_token: 'signed.jwt.token', token_type: 'bearer', expires_in: TTL });
      expect(passwords.verify).toHaveBeenCalledWith('right password', alice.passwordHash);
      expect(jwt.signAsync).toHaveBeenCalledWith(
        { sub: alice.id, jti: expect.stringMatching(UUID), ver: 3 },
        { expiresIn: TTL },
      );

      await service.login({ username: 'alice', password: 'right password' });
      const [first, second] = jwt.signAsync.mock.calls.map(([claims]) => claims.jti);
      expect(first).not.toBe(second);
    });
  });

  describe("login's account budget", () => {
    it('takes a point of the account’s budget before the password is checked, and gives it back when it is right', async () => {
      users.findByLogin.mockResolvedValue(alice);
      passwords.verify.mockImplementation(async () => {
        expect(limits.take).toHaveBeenCalledWith('login-account', `user:${alice.id}`);
        return true;
      });
      await service.login({ username: 'ALICE@example.com', password: 'right password' });
      expect(passwords.verify).toHaveBeenCalledTimes(1);
      expect(limits.refund).toHaveBeenCalledWith('login-account', `user:${alice.id}`);
    });

    it('keeps the point of a wrong password', async () => {
      users.findByLogin.mockResolvedValue(alice);
      passwords.verify.mockResolvedValue(false);
      await loginError('alice', 'wrong');
      expect(limits.take).toHaveBeenCalledWith('login-account', `user:${alice.id}`);
      expect(limits.refund).not.toHaveBeenCalled();
    });

    it('counts an unknown login name under its lower-cased self', async () => {
      users.findByLogin.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(false);
      await loginError('NoBody', 'x');
      expect(limits.take).toHaveBeenCalledWith('login-account', 'name:nobody');
    });

    it('refuses even the right password while the budget is spent, without checking it', async () => {
      users.findByLogin.mockResolvedValue(alice);
      passwords.verify.mockResolvedValue(true);
      const spent = new RateLimited([
        {
          policy: 'login-account',
          budget: { points: 5, windowSeconds: 60 },
          allowed: false,
          remaining: 0,
          resetSeconds: 42,
        },
      ]);
      limits.take.mockRejectedValue(spent);
      await expect(service.login({ username: 'alice', password: 'right password' })).rejects.toBe(spent);
      expect(spent.retryAfterSeconds).toBe(42);
      expect(spent.code).toBe('too_many_requests');
      expect(passwords.verify).not.toHaveBeenCalled();
      expect(jwt.signAsync).not.toHaveBeenCalled();
    });
  });

  describe('the password asked again (deleting the account, changing the password)', () => {
    const caller = { id: alice.id, username: alice.username } as AuthenticatedUser;

    it('spends the account’s login budget, so a stolen token is no way around it', async () => {
      users.findById.mockResolvedValue(alice);
      passwords.verify.mockResolvedValue(false);
      await expect(service.deleteAccount(caller, { password: 'guess' })).rejects.toMatchObject({
        code: 'wrong_password',
      });
      expect(limits.take).toHaveBeenCalledWith('login-account', `user:${alice.id}`);
      expect(limits.refund).not.toHaveBeenCalled();
      expect(users.delete).not.toHaveBeenCalled();
    });

    it('refuses without checking the password while the budget is spent', async () => {
      users.findById.mockResolvedValue(alice);
      const spent = new AppError('too_many_requests', 'Too many attempts.');
      limits.take.mockRejectedValue(spent);
      await expect(service.deleteAccount(caller, { password: 'right password' })).rejects.toBe(spent);
      expect(passwords.verify).not.toHaveBeenCalled();
      expect(users.delete).not.toHaveBeenCalled();
    });
  });

  describe('createUser', () => {
    it('stores the password’s hash, never the password, with the configured quota', async () => {
      passwords.hash.mockResolvedValueOnce('$2b$04$hash.of.the.new.password');
      users.create.mockImplementation(async (user) => ({ ...alice, ...user }));

      const created = await service.createUser({
        username: 'alice',
        email: 'alice@example.com',
        password: 'plain-text password',
      });

      expect(passwords.hash).toHaveBeenLastCalledWith('plain-text password');
      expect(users.create).toHaveBeenCalledWith({
        username: 'alice',
        email: 'alice@example.com',
        passwordHash: '$2b$04$hash.of.the.new.password',
        quotaBytes: QUOTA,
      });
      expect(JSON.stringify(users.create.mock.calls)).not.toContain('plain-text password');
      expect(created).toEqual({
        id: alice.id,
        username: 'alice',
        email: 'alice@example.com',
        created_at: alice.createdAt,
      });
    });

    it('lets the repository’s credentials_in_use through', async () => {
      passwords.hash.mockResolvedValueOnce('$2b$04$hash');
      const taken = new AppError('credentials_in_use', 'That username or e-mail address is already registered.');
      users.create.mockRejectedValue(taken);
      await expect(
        service.createUser({ username: 'alice', email: 'a@example.com', password: 'password' }),
      ).rejects.toBe(taken);
    });
  });

  it('verifyToken describes the token’s user and expiry', () => {
    const tokenExpiresAt = new Date('2026-11-27T10:30:00.000Z');
    expect(service.verifyToken({ id: alice.id, username: 'alice', tokenId: 'a-jti', tokenExpiresAt })).toEqual({
      status: 'valid',
      user_id: alice.id,
      username: 'alice',
      expires_at: tokenExpiresAt,
    });
  });
});
