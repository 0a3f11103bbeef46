import { ApiProperty } from '@nestjs/swagger';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';
import { ItemDto, ItemOwnerDto } from '../../items';

/** A content of a file: its bytes' size and type, who uploaded them and when they became the file's. */
export class ContentDto {
  @ApiInteger()
  size_in_bytes: number;
  @ApiProperty({ type: String, nullable: true })
  content_type: string | null;
  /** Null when unknown (uploaded before uploaders were recorded, or the account is gone). */
  @ApiProperty({ type: ItemOwnerDto, nullable: true })
  uploaded_by: ItemOwnerDto | null;
  /** When these bytes became the file's content (null when unknown). */
  @ApiProperty({ type: Date, nullable: true })
  current_since: Date | null;
}

/** An earlier content of a file, kept when another took over. */
export class FileVersionDto extends ContentDto {
  @ApiUuid()
  version_id: string;
  /** When it stopped being the file's content. */
  replaced_at: Date;
}

export class FileVersionsDto {
  file: ItemDto;
  /** The file's content now (which is not among `versions`). */
  current: ContentDto;
  /** The earlier contents, newest first. */
  @ApiProperty({ type: [FileVersionDto] })
  versions: FileVersionDto[];
}

export class VersionDownloadDto {
  /** A presigned GET of exactly that version's bytes, as an attachment under the file's name. */
  url: string;
  expires_at: Date;
  version: FileVersionDto;
}
