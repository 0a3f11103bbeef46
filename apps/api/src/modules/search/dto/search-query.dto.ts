import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CONTENT_FAMILIES, ContentFamily, SEARCH_OWNERS, SearchOwner } from '@app/db';
import { PageQueryDto } from '../../items';

export const CONTENT_FAMILY_NAMES = Object.keys(CONTENT_FAMILIES) as ContentFamily[];

/**
 * An optional bound in bytes: decimal digits become a number; anything else is left as it came, for the validator
 * to refuse (an empty string is not 0).
 */
const byteBound = () =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 0 }),
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(0),
    Max(Number.MAX_SAFE_INTEGER),
  );

/** An instant: an ISO 8601 date, or date and time (with its offset; UTC without one). */
const instant = IsISO8601({ strict: true, strictSeparator: true });

export class SearchQueryDto extends PageQueryDto {
  /**
   * What the names must contain, 1 to 255 characters (NFC, trimmed): case and accents do not count, so `ete` finds
   * `Été 2024.jpg` and `ÉTÉ` finds `ete.txt`. One or two characters are found where a word of the name starts (at
   * its start, after a separator such as a space, `-`, `_` or `.`, or at a separator): `bu` finds `2024 budget.txt`
   * but not `mybudget.txt`.
   */
  @ApiProperty({ minLength: 1, maxLength: 255 })
  @Transform(({ value }) => (typeof value === 'string' ? value.normalize('NFC').trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  q: string;

  /** Only files, or only folders. */
  @ApiPropertyOptional({ enum: ['file', 'folder'] })
  @IsOptional()
  @IsIn(['file', 'folder'])
  kind?: 'file' | 'folder';

  /**
   * Only files whose content type (sniffed from their bytes) is of this family: `image` (image/*), `pdf`, `video`
   * (video/*), `audio` (audio/*), `text` (text/*, JSON, XML, YAML, TOML, JavaScript, shell, SQL), `archive` (zip,
   * tar, gzip, bzip2, xz, zstd, 7z, rar, jar). Folders are left out.
   */
  @ApiPropertyOptional({ enum: CONTENT_FAMILY_NAMES })
  @IsOptional()
  @IsIn(CONTENT_FAMILY_NAMES)
  content_family?: ContentFamily;

  /** Only items whose `last_interaction` is at or after this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @instant
  last_interaction_from?: string;

  /** Only items whose `last_interaction` is at or before this instant. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @instant
  last_interaction_to?: string;

  /** Only files of at least this many bytes (folders are left out). */
  @byteBound()
  size_in_bytes_from?: number;

  /** Only files of at most this many bytes (folders are left out). */
  @byteBound()
  size_in_bytes_to?: number;

  /** Only what is inside this folder, at any depth (a folder the caller may see; else 404 `folder_not_found`). */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('4')
  folder_id?: string;

  /** `mine`: the caller's own items; `shared`: others' items shared with them (directly or through a folder); `all`. */
  @ApiPropertyOptional({ enum: SEARCH_OWNERS, default: 'all' })
  @IsOptional()
  @IsIn(SEARCH_OWNERS)
  owner: SearchOwner = 'all';
}
