import { ErrorCode } from './error-codes';
import { FieldError } from './app-error';

/** An RFC 9457 problem document as CloudDrive sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
