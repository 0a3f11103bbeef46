import { AppError } from '@app/contracts';
import type { ListingCursor, SortKey, SortOrder } from '@app/db';

/**
 * Cursors are opaque to clients: base64url JSON of where the page ended, and of the order it was read in,
 * so that a cursor replayed with another order is refused rather than silently skipping items.
 */
export function encodeCursor(cursor: ListingCursor, sortBy: SortKey, order: SortOrder): string {
  return Buffer.from(JSON.stringify([cursor.rank, cursor.key, cursor.id, sortBy, order])).toString('base64url');
}

export function decodeCursor(text: string, sortBy: SortKey, order: SortOrder): ListingCursor {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 5 ||
    (parts[0] !== 0 && parts[0] !== 1) ||
    typeof parts[1] !== 'string' ||
    typeof parts[2] !== 'string' ||
    !/^[0-9a-f-]{36}$/.test(parts[2]) ||
    parts[3] !== sortBy ||
    parts[4] !== order
  ) {
    throw AppError.validation([{ field: 'cursor', message: 'is not a cursor of this listing and order' }]);
  }
  return { rank: parts[0], key: parts[1], id: parts[2] };
}
