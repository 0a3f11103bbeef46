import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { AppValidationPipe } from './validation.pipe';

const bodyOrEmpty = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const body = context.switchToHttp().getRequest<{ body?: unknown }>().body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw AppError.validation([{ field: 'body', message: 'must be a JSON object' }]);
  }
  return body;
});

/**
 * A JSON body that may be left out (read as `{}`), validated like any other: for routes whose fields may
 * also come from the query string. A body that is there must still be a JSON object.
 */
export const OptionalBody = (): ParameterDecorator =>
  bodyOrEmpty(undefined, new AppValidationPipe({ validateCustomDecorators: true }));
