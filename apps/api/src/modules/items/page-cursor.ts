import { AppError } from '@app/contracts';

/**
 * Page cursors are opaque to clients: base64url JSON of where a page ended. Every listing encodes and reads
 * them here, and checks each value before it reaches SQL (a forged one is a 422, never a database error).
 */
export function encodePageCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The cursor's JSON, or undefined when it is not a cursor at all. */
export function readPageCursor(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const invalidCursor = (): AppError =>
  AppError.validation([{ field: 'cursor', message: 'is not a cursor of this listing and order' }]);

/** A timestamptz as PostgreSQL prints it: microseconds at most, an offset within ±15:59. */
const TIMESTAMP = /^(\d{4}-\d\d-\d\d) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d)?$/;

/** Whether the value is a time PostgreSQL reads back: that format, on a day that exists (no 31 February). */
export function isPgTimestamp(value: unknown): value is string {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  if (!match || match[1] < '0001') return false;
  const day = new Date(`${match[1]}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(match[1]);
}
