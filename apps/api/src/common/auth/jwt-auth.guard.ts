import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '@app/contracts';
import { ACCEPTS_TICKET, IS_PUBLIC } from './public.decorator';

/** The global guard: every route needs a valid bearer token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    if (this.reflector.get<boolean>(ACCEPTS_TICKET, context.getHandler())) {
      const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query;
      if (query?.ticket !== undefined) return true;
    }
    return super.canActivate(context);
  }

  /**
   * Missing, malformed, expired, tampered, or for a user who is gone: one answer, without saying which.
   * An `error` is a failure while looking the user up (the database), not a verdict on the token.
   */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new AppError('unauthorized', 'A valid bearer token is required.');
    return user;
  }
}
