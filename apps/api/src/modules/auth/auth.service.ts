import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { SharesRepository, Transactions, User, UsersRepository } from '@app/db';
import { deleteUnder, ObjectStorage, objectKeys } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Cache } from '../../common/cache/cache';
import { RateLimits } from '../../common/rate-limit/rate-limits';
import { ChangeLog } from '../changes';
import { storageFigures } from '../items';
import { AccountDto, ChangePasswordDto, DeleteAccountDto } from './dto/account.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { PASSWORD_MAX_BYTES } from './dto/password-length.validator';
import { TokenStatusDto } from './dto/token-status.dto';
import { TokenDto } from './dto/token.dto';
import { UserDto } from './dto/user.dto';
import { PasswordHasher } from './password-hasher';

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the user is unknown, so that a miss costs what a wrong password costs. */
  private dummyHash: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
    private readonly limits: RateLimits,
    private readonly transactions: Transactions,
    private readonly shares: SharesRepository,
    private readonly changes: ChangeLog,
    private readonly cache: Cache,
  ) {}

  onModuleInit(): void {
    this.dummyHash = this.passwords.hash(randomBytes(16).toString('hex'));
    // A server closed before it was ready refuses it: that is no unhandled rejection (a login would still see it).
    this.dummyHash.catch(() => undefined);
  }

  async createUser(dto: CreateUserDto): Promise<UserDto> {
    const user = await this.users.create({
      username: dto.username,
      email: dto.email,
      passwordHash: await this.passwords.hash(dto.password),
      quotaBytes: this.config.quota.defaultBytes,
    });
    return toUserDto(user);
  }

  /**
   * Every attempt takes a point of its account's budget before the password is checked, so that attempts in
   * parallel cannot outrun it, and while it is spent the right password is refused too; a right one gives its
   * point back. An unknown login name has a budget of its own, so a 429 says nothing about who exists.
   */
  async login(dto: LoginDto): Promise<TokenDto> {
    const user = await this.users.findByLogin(dto.username);
    const account = user ? `user:${user.id}` : `name:${dto.username.toLowerCase()}`;
    await this.limits.take('login-account', account);
    // bcrypt reads 72 bytes: a longer password could match on its prefix alone, so it never matches (after
    // the same work as any other attempt).
    const tooLong = Buffer.byteLength(dto.password, 'utf8') > PASSWORD_MAX_BYTES;
    const hash = user && !tooLong ? user.passwordHash : await this.dummyHash;
    const matches = await this.passwords.verify(dto.password, hash);
    if (!user || tooLong || !matches) {
      throw new AppError('invalid_credentials', 'The username or password is incorrect.');
    }
    await this.limits.refund('login-account', account);
    return this.issueToken(user.id, user.tokenVersion);
  }

  /**
   * Ends the session of the token presented (revoked by its jti until it expires), or, `everywhere`, every token
   * of the account at once (by raising the account's token version).
   */
  async logout(user: AuthenticatedUser, everywhere: boolean): Promise<void> {
    if (everywhere) await this.users.revokeTokens(user.id);
    else await this.users.revokeToken(user.id, user.tokenId, user.tokenExpiresAt);
    await this.cache.changed([user.id]); // the cached identity of the token(s) goes: the next request is a 401
  }

  async account(user: AuthenticatedUser): Promise<AccountDto> {
    const account = await this.users.findById(user.id);
    if (!account) throw unauthorized();
    return { ...toUserDto(account), ...storageFigures(account) };
  }

  /**
   * A new password, after the current one: every token issued so far stops working (a stolen one too), and the
   * caller gets a new token in place of theirs.
   */
  async changePassword(user: AuthenticatedUser, dto: ChangePasswordDto): Promise<TokenDto> {
    await this.checkPassword(user, dto.current_password);
    const version = await this.users.changePassword(user.id, await this.passwords.hash(dto.new_password));
    if (version === null) throw unauthorized();
    await this.cache.changed([user.id]);
    return this.issueToken(user.id, version);
  }

  /**
   * Deletes the account after its password: the row goes, and with it (foreign keys) its files, folders, trash,
   * shares both ways and profile photo, so its tokens, names and shares end at once; then its objects in storage.
   */
  async deleteAccount(user: AuthenticatedUser, dto: DeleteAccountDto): Promise<void> {
    await this.checkPassword(user, dto.password);
    const deleted = await this.transactions.run(async () => {
      // Whoever it shared with, or who shared with it, hears that share end (the account's own feed goes with it).
      for (const share of await this.shares.involving(user.id)) {
        const other = share.itemOwnerId === user.id ? share.recipientId : share.itemOwnerId;
        await this.changes.item('share_revoked', share.itemId, [other], { permission: share.permission });
      }
      await this.cache.changed([user.id]); // its cached identity goes once this commits
      return this.users.delete(user.id);
    });
    if (!deleted) throw unauthorized();
    for (const prefix of objectKeys.userPrefixes(user.id)) {
      await deleteUnder(this.storage, prefix).catch((error: unknown) => {
        // The reconciler removes files and previews no row points at; nothing is kept by leaving them to it.
        this.logger.warn(`Could not delete the objects under ${prefix} of a deleted account: ${String(error)}`);
      });
    }
  }

  /**
   * The account's password, asked again before what cannot be undone by a stolen token alone. It spends the
   * account's login budget like a login does, so a stolen token is no way around the brute-force limit.
   */
  private async checkPassword(user: AuthenticatedUser, password: string): Promise<void> {
    const account = await this.users.findById(user.id);
    if (!account) throw unauthorized();
    const budget = `user:${account.id}`;
    await this.limits.take('login-account', budget);
    const tooLong = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES;
    if (tooLong || !(await this.passwords.verify(password, account.passwordHash))) {
      throw new AppError('wrong_password', 'The password is incorrect.');
    }
    await this.limits.refund('login-account', budget);
  }

  private async issueToken(userId: string, version: number): Promise<TokenDto> {
    const ttl = this.config.auth.jwtTtlSeconds;
    const claims = { sub: userId, jti: randomUUID(), ver: version };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: ttl });
    return { access_token: accessToken, token_type: 'bearer', expires_in: ttl };
  }

  verifyToken(user: AuthenticatedUser): TokenStatusDto {
    return { status: 'valid', user_id: user.id, username: user.username, expires_at: user.tokenExpiresAt };
  }
}

const unauthorized = () => new AppError('unauthorized', 'A valid bearer token is required.');

function toUserDto(user: User): UserDto {
  return { id: user.id, username: user.username, email: user.email, created_at: user.createdAt };
}
