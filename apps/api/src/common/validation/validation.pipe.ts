import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from '@app/contracts';

/** Flattens class-validator's tree into `{field, message}` pairs with dotted paths (`files.3.file_name`). */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      message: rule === 'whitelistValidation' ? 'is not a known field' : message,
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * Validates and transforms every DTO: unknown fields and wrong values are a 422 that lists each field.
 * A body that is not a JSON object at all (an array, a string, nothing) is refused the same way.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  /** `validateCustomDecorators`: also validate what a custom parameter decorator (OptionalBody) produces. */
  constructor({ validateCustomDecorators = false }: { validateCustomDecorators?: boolean } = {}) {
    super({
      validateCustomDecorators,
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => AppError.validation(fieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = metadata.metatype && this.toValidate(metadata);
    if (isDto && metadata.type === 'body') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw AppError.validation([{ field: 'body', message: 'must be a JSON object' }]);
      }
      // class-transformer and class-validator recurse: a deep enough body would overflow the stack.
      if (exceedsDepth(value, MAX_BODY_DEPTH)) {
        throw AppError.validation([
          { field: 'body', message: `must not be nested more than ${MAX_BODY_DEPTH} levels deep` },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Far deeper than any DTO of ours, far shallower than what overflows the stack. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests objects or arrays more than `limit` levels deep (iteratively). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
