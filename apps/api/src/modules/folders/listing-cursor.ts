import { AppError } from '@app/contracts';
import type { ListingCursor, SortKey, SortOrder } from '@app/db';
import { isUuid } from '../../common/validation/id-param';

/**
 * Cursors are opaque to clients: base64url JSON of where the page ended, and of the order it was read in,
 * so that a cursor replayed with another order is refused rather than silently skipping items.
 */
/** What each sort key's value looks like as PostgreSQL prints it; anything else never came from us. */
const KEY_FORMATS: Record<SortKey, RegExp> = {
  name: /^[\s\S]{0,1024}$/,
  type: /^[\s\S]{0,1024}$/,
  size: /^\d{1,19}$/,
  created_at: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/,
  last_interaction: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/,
};

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
    !KEY_FORMATS[sortBy].test(parts[1]) ||
    !isUuid(parts[2]) ||
    parts[3] !== sortBy ||
    parts[4] !== order
  ) {
    throw AppError.validation([{ field: 'cursor', message: 'is not a cursor of this listing and order' }]);
  }
  return { rank: parts[0], key: parts[1], id: parts[2] };
}
