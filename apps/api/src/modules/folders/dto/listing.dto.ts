import { ApiProperty } from '@nestjs/swagger';
import { ItemDto, PathEntryDto, StorageFiguresDto, UnconfirmedFileDto } from '../../items';

/** The caller's account at the root of their drive: who they are and where their storage stands. */
export class DriveUserDto extends StorageFiguresDto {
  username: string;
  email: string;
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
  /**
   * Files of this folder whose first upload is still `uploading` or has `failed`, newest first (at most 1000), for
   * whoever may edit the folder (empty for viewers); on the first page only (empty when `cursor` is given).
   */
  uploads: UnconfirmedFileDto[];
  /** Pass as `cursor` for the next page; null on the last one. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
