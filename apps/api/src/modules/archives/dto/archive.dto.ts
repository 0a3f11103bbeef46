import { Type } from 'class-transformer';
import { IsInt, IsUUID, Matches, Max, Min } from 'class-validator';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

export class ArchiveLinkDto {
  /** A GET of the zip, good until `expires_at`; it needs no token (follow it in a browser). */
  url: string;
  expires_at: Date;
  /** The zip's name: the folder's, with `.zip`. */
  file_name: string;
  /** The files' bytes in all (the zip adds a few dozen bytes of headers per entry; its download gives its length). */
  @ApiInteger()
  size_in_bytes: number;
  /** The files in it (confirmed, not in the trash). */
  @ApiInteger()
  file_count: number;
  /** The folders in it, below the folder itself. */
  @ApiInteger()
  folder_count: number;
}

/** The query of a zip link, as POST /drive/{folder_id}/archive signed it. */
export class ArchiveQueryDto {
  @ApiUuid()
  @IsUUID()
  user_id: string;

  /** Seconds since the epoch. */
  @ApiInteger()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expires: number;

  /** 64 hexadecimal digits. */
  @Matches(/^[0-9a-f]{64}$/, { message: 'must be 64 hexadecimal digits' })
  signature: string;
}
