import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from '@app/contracts';
import { exceedsDepth, MAX_BODY_DEPTH, tooDeep, unreadableStrings } from './unsafe-input';

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
 * A body that is not a JSON object at all (an array, a string, nothing) is refused the same way, and so is
 * any string, in any field, with a NUL or an unpaired surrogate (PostgreSQL and UTF-8 cannot take them).
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
    if (!isDto) return super.transform(value, metadata);
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw AppError.validation([{ field: 'body', message: 'must be a JSON object' }]);
    }
    // Refused on every route as soon as it is parsed (refuseDeepBodies); here too, as the pipe's own guard:
    // class-transformer and class-validator recurse, and a deep enough value would overflow the stack.
    if (exceedsDepth(value, MAX_BODY_DEPTH)) throw tooDeep();
    const unreadable = unreadableStrings(value);
    if (unreadable.length > 0) throw AppError.validation(unreadable);
    return super.transform(value, metadata);
  }
}
