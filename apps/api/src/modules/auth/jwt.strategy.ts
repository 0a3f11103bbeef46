import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '@app/config';
import { UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Cache } from '../../common/cache/cache';
import { isUuid } from '../../common/validation/id-param';

export interface TokenClaims {
  sub: string;
  jti: string;
  /** The user's token version when it was issued (absent in tokens from before versions: 0). */
  ver?: number;
  iat: number;
  exp: number;
}

/**
 * Verifies the bearer token (HS256 only, unexpired), that its user still exists, that it was issued under their
 * current token version (logging out everywhere or changing the password raises it) and that it was not logged out
 * itself (revoked_tokens): one query, or none when the cache has the answer.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersRepository,
    private readonly cache: Cache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given a string, jsonwebtoken first tries it as a public key (and throws) on
      // every request, a sixth of the CPU of an authenticated request. passport-jwt hands it to jsonwebtoken,
      // which accepts KeyObjects, though its own typings do not say so.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
    });
  }

  async validate(claims: Partial<TokenClaims>): Promise<AuthenticatedUser | false> {
    const { sub, jti, exp } = claims;
    // Every token issued has a UUID jti: one without could not be logged out alone, so it is not accepted.
    if (typeof sub !== 'string' || !isUuid(sub) || typeof jti !== 'string' || !isUuid(jti)) return false;
    if (typeof exp !== 'number') return false;
    // Cached per token: logging out (one token or all), a new password and deleting the account bump the user.
    const user = await this.cache.remember(sub, `identity:${jti}`, () => this.users.findIdentity(sub, jti));
    if (!user || user.revoked || user.tokenVersion !== (claims.ver ?? 0)) return false;
    return { id: user.id, username: user.username, tokenId: jti, tokenExpiresAt: new Date(exp * 1000) };
  }
}
