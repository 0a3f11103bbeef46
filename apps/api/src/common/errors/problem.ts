import { HttpException, HttpStatus } from '@nestjs/common';
import { AppError, ErrorCode, isUnavailable, Problem, statusOf } from '@app/contracts';

/** The code for an HTTP status that reached us without one (framework errors, Fastify's parsers). */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'malformed_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'route_not_found',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'method_not_allowed',
  [HttpStatus.REQUEST_TIMEOUT]: 'request_timeout',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'unsupported_media_type',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'validation_failed',
  431: 'headers_too_large',
  [HttpStatus.TOO_MANY_REQUESTS]: 'too_many_requests',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'service_unavailable',
};

const INTERNAL_ERROR_DETAIL = 'Something went wrong on our side. It has been logged; try again later.';
const UNAVAILABLE_DETAIL = 'The service is briefly unavailable. Nothing was changed; try again shortly.';

/** How long a client is asked to wait (Retry-After) before trying a 503 again: a database restart takes a few. */
export const RETRY_AFTER_SECONDS = 3;

export const titleOf = (code: ErrorCode): string => {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Whether the error is one of ours to show as is; anything else is logged and answered as a 500. */
export function isExpected(error: unknown): boolean {
  return error instanceof AppError || statusOfUnknown(error) < 500;
}

/** Turns anything thrown while serving a request into the problem document to send. */
export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) {
    return problem(error.code, error.detail, error.extra);
  }
  // An error that carries an HTTP status says what it is; only one without is judged by its cause.
  if (!hasHttpStatus(error) && isUnavailable(error)) return problem('service_unavailable', UNAVAILABLE_DETAIL);
  const status = statusOfUnknown(error);
  const code = CODE_OF_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'malformed_request');
  // Framework messages for 4xx are safe and say what was wrong ("Body is not valid JSON..."); 5xx details stay in the log.
  const detail = status < 500 ? messageOf(error) : INTERNAL_ERROR_DETAIL;
  return { ...problem(code, detail), status };
}

/**
 * The problem of one item of a batch, answered beside the others: ours (even a 507) belong to the item; anything
 * unexpected (a database down, a bug) is thrown on, and fails the request as a whole.
 */
export function itemProblem(error: unknown): Problem {
  if (!(error instanceof AppError)) throw error;
  return toProblem(error);
}

function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return {
    type: `urn:clouddrive:problem:${code}`,
    title: titleOf(code),
    status: statusOf(code),
    detail,
    code,
    ...extra,
  };
}

function statusOfUnknown(error: unknown): number {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function hasHttpStatus(error: unknown): boolean {
  return error instanceof HttpException || typeof (error as { statusCode?: unknown } | null)?.statusCode === 'number';
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message.trim() : '';
  return message ? message.replace(/([^.])$/, '$1.') : 'The request could not be processed.';
}
