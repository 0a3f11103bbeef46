import { ApiProperty } from '@nestjs/swagger';
import { ItemDto, PathEntryDto } from '../../items';

/** A file or folder whose name matched. */
export class SearchHitDto extends ItemDto {
  /**
   * The folders above it that the caller may see, from the top down: all of them for their own items; for an item
   * shared with them, those up to the shared folder (empty when the item itself was shared).
   */
  path: PathEntryDto[];
}

export class SearchResultsDto {
  /**
   * Most relevant first (the whole name, then names that start with the text, then names with a word that starts
   * with it, then the rest), then by name in any case, then by id.
   */
  files_and_folders: SearchHitDto[];
  /** Pass as `cursor` (with the same query) for the next page; null on the last one. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
