import { RELEVANCE, SearchCursor } from '@app/db';
import { isUuid } from '../../common/validation/id-param';
import { isUnreadable } from '../../common/validation/unsafe-input';
import { encodePageCursor, invalidCursor, readPageCursor } from '../items';

const RANKS: number[] = Object.values(RELEVANCE);

export function encodeSearchCursor(cursor: SearchCursor): string {
  return encodePageCursor([cursor.rank, cursor.name, cursor.id]);
}

/** The cursor a page ended with; anything else (forged, of another listing) is a 422 on `cursor`. */
export function decodeSearchCursor(text: string): SearchCursor {
  const parts = readPageCursor(text);
  if (
    !Array.isArray(parts) ||
    parts.length !== 3 ||
    !RANKS.includes(parts[0]) ||
    typeof parts[1] !== 'string' ||
    parts[1].length > 1024 ||
    isUnreadable(parts[1]) ||
    !isUuid(parts[2])
  ) {
    throw invalidCursor();
  }
  return { rank: parts[0], name: parts[1], id: parts[2] };
}
