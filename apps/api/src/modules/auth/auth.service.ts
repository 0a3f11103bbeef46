import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { User, UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { RateLimits } from '../../common/rate-limit/rate-limits';
import { CreateUserDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { PASSWORD_MAX_BYTES } from './dto/password-length.validator';
import { TokenStatusDto } from './dto/token-status.dto';
import { TokenDto } from './dto/token.dto';
import { UserDto } from './dto/user.dto';
import { PasswordHasher } from './password-hasher';

@Injectable()
export class AuthService implements OnModuleInit {
  /** Compared against when the user is unknown, so that a miss costs what a wrong password costs. */
  private dummyHash: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: RateLimits,
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
    const ttl = this.config.auth.jwtTtlSeconds;
    const accessToken = await this.jwt.signAsync({ sub: user.id, jti: randomUUID() }, { expiresIn: ttl });
    return { access_token: accessToken, token_type: 'bearer', expires_in: ttl };
  }

  verifyToken(user: AuthenticatedUser): TokenStatusDto {
    return { status: 'valid', user_id: user.id, username: user.username, expires_at: user.tokenExpiresAt };
  }
}

function toUserDto(user: User): UserDto {
  return { id: user.id, username: user.username, email: user.email, created_at: user.createdAt };
}
