import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '@app/config';
import { UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
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
 * Verifies the bearer token (HS256 only, unexpired), that its user still exists and that it was issued under their
 * current token version (logging out or changing the password raises it): one primary-key lookup.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersRepository,
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
    if (typeof claims.sub !== 'string' || !isUuid(claims.sub) || typeof claims.exp !== 'number') return false;
    const user = await this.users.findIdentity(claims.sub);
    if (!user || user.tokenVersion !== (claims.ver ?? 0)) return false;
    return { id: user.id, username: user.username, tokenExpiresAt: new Date(claims.exp * 1000) };
  }
}
