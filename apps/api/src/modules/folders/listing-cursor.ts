import type { ListingCursor, SortKey, SortOrder } from '@app/db';
import { isUuid } from '../../common/validation/id-param';
import { encodePageCursor, invalidCursor, isPgTimestamp, readPageCursor } from '../items';

/** Whether a value is what each sort key's values look like as PostgreSQL prints them. */
const KEY_CHECKS: Record<SortKey, (key: string) => boolean> = {
  name: (key) => key.length <= 1024,
  type: (key) => key.length <= 1024,
  size: (key) => /^\d{1,19}$/.test(key),
  created_at: isPgTimestamp,
  last_interaction: isPgTimestamp,
};

/** A listing's cursor also names the order it was read in, so a replay in another order is refused. */
export function encodeCursor(cursor: ListingCursor, sortBy: SortKey, order: SortOrder): string {
  return encodePageCursor([cursor.rank, cursor.key, cursor.id, sortBy, order]);
}

export function decodeCursor(text: string, sortBy: SortKey, order: SortOrder): ListingCursor {
  const parts = readPageCursor(text);
  if (
    !Array.isArray(parts) ||
    parts.length !== 5 ||
    (parts[0] !== 0 && parts[0] !== 1) ||
    typeof parts[1] !== 'string' ||
    !KEY_CHECKS[sortBy](parts[1]) ||
    !isUuid(parts[2]) ||
    parts[3] !== sortBy ||
    parts[4] !== order
  ) {
    throw invalidCursor();
  }
  return { rank: parts[0], key: parts[1], id: parts[2] };
}
