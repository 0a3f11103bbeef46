import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who a verified bearer token speaks for: what the JWT strategy puts on the request. */
export interface AuthenticatedUser {
  id: string;
  username: string;
  /** The token presented: its `jti` (what logging out revokes) and when it expires. */
  tokenId: string;
  tokenExpiresAt: Date;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<FastifyRequest & { user: AuthenticatedUser }>().user,
);
