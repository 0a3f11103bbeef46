import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common';
import { ApiExtension, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { Public } from './public.decorator';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Whether a request's `X-Lambda-Secret` is the internal secret, compared in constant time. */
export function lambdaSecretMatcher(secret: string): (request: FastifyRequest) => boolean {
  const expected = digest(secret);
  return (request) => {
    const given = request.headers['x-lambda-secret'];
    // Digests have one length whatever was sent, so the comparison's time says nothing about the secret.
    return typeof given === 'string' && timingSafeEqual(digest(given), expected);
  };
}

/** The internal endpoints' guard: `X-Lambda-Secret`, compared in constant time; a bearer token does not count. */
@Injectable()
export class LambdaSecretGuard implements CanActivate {
  private readonly matches: (request: FastifyRequest) => boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.matches = lambdaSecretMatcher(config.auth.lambdaSecret);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.matches(context.switchToHttp().getRequest<FastifyRequest>())) {
      throw new AppError('forbidden', 'This endpoint needs the internal secret in X-Lambda-Secret.');
    }
    return true;
  }
}

/**
 * Marks an internal endpoint: for the worker and operators' scripts, with the shared secret, never a JWT. Documented
 * under the `internal` tag with `x-internal: true`, and left out of the clients' document (openapi/openapi.json).
 */
export const Internal = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    Public(),
    UseGuards(LambdaSecretGuard),
    ApiTags('internal'),
    ApiExtension('x-internal', true),
    ApiSecurity('lambda_secret'),
    ApiProblems('forbidden', 'validation_failed'),
  );
