import { ErrorCode } from './error-codes';

/** One field that failed validation, as it appears in a 422 problem's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The error that libraries and services throw. It names a stable code and a sentence for a person;
 * the API's exception filter turns it into problem+json. Nothing below the HTTP layer throws HTTP exceptions.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }

  static validation(errors: FieldError[]): AppError {
    const detail =
      errors.length === 1
        ? `The field ${errors[0].field} is invalid: ${errors[0].message}.`
        : `${errors.length} fields are invalid.`;
    return new AppError('validation_failed', detail, { errors });
  }
}
