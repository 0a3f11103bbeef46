import { ApiProperty } from '@nestjs/swagger';
import { ItemDto } from '../../items';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

export class DriveUserDto {
  username: string;
  email: string;
  /** Bytes of confirmed files, the trash included. */
  @ApiInteger()
  used_storage_in_bytes: number;
  /** What is left, after what pending uploads have reserved. */
  @ApiInteger()
  available_storage_in_bytes: number;
  @ApiInteger()
  total_storage_in_bytes: number;
}

export class PathEntryDto {
  @ApiUuid()
  id: string;
  name: string;
}

export class ListingDto {
  /** The caller's storage figures, at the root; null elsewhere. */
  @ApiProperty({ type: DriveUserDto, nullable: true })
  user: DriveUserDto | null;
  /** The listed folder; null at the root. */
  @ApiProperty({ type: ItemDto, nullable: true })
  folder: ItemDto | null;
  /** The listed folder's ancestors, from the root down. */
  path: PathEntryDto[];
  files_and_folders: ItemDto[];
  /** Pass as `cursor` for the next page; null on the last one. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
