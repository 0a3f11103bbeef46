import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../items';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

export const SHARE_PERMISSIONS = ['view', 'edit'] as const;
export type SharePermission = (typeof SHARE_PERMISSIONS)[number];
export const SHARE_OBJECT_TYPES = ['file', 'folder'] as const;

/** Absent is allowed; null is not an id (and not a way to say "absent"). */
const unlessAbsent = ValidateIf((_: unknown, value: unknown) => value !== undefined);

/** Names one item, by exactly one of the two ids (the one of its kind). */
export class ShareTargetDto {
  /** The file. */
  @unlessAbsent
  @IsUUID('4')
  file_id?: string;

  /** The folder: a share reaches everything in it, now and later. */
  @unlessAbsent
  @IsUUID('4')
  folder_id?: string;
}

export class CreateShareDto extends ShareTargetDto {
  /** What is shared; the matching `file_id` or `folder_id` names it. */
  @ApiProperty({ enum: SHARE_OBJECT_TYPES })
  @IsIn(SHARE_OBJECT_TYPES)
  share_object_type: 'file' | 'folder';

  /** The recipient's username or e-mail address, in any case. */
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username: string;

  /** `view`: list, download, preview; `edit`: also upload, create folders, rename, move within it, delete. */
  @ApiProperty({ enum: SHARE_PERMISSIONS })
  @IsIn(SHARE_PERMISSIONS)
  permission: SharePermission;
}

export class UpdateShareDto {
  @ApiProperty({ enum: SHARE_PERMISSIONS })
  @IsIn(SHARE_PERMISSIONS)
  permission: SharePermission;
}

/** The item whose grants to list. */
export class SharesQueryDto extends ShareTargetDto {}

export class ShareRecipientDto {
  @ApiUuid()
  id: string;
  username: string;
}

/** A grant on an item to one user. */
export class ShareDto {
  @ApiUuid()
  id: string;
  @ApiProperty({ enum: SHARE_OBJECT_TYPES })
  kind: 'file' | 'folder';
  @ApiUuid()
  item_id: string;
  item_name: string;
  recipient: ShareRecipientDto;
  @ApiProperty({ enum: SHARE_PERMISSIONS })
  permission: SharePermission;
  created_at: Date;
}

export class SharesDto {
  /** Oldest first. */
  shares: ShareDto[];
}

export class SharedItemOwnerDto {
  username: string;
  email: string;
}

/** An item shared directly with the caller. */
export class SharedItemDto {
  @ApiUuid()
  share_id: string;
  @ApiProperty({ enum: SHARE_OBJECT_TYPES })
  kind: 'file' | 'folder';
  /** The item's id: list a folder with `GET /drive/{id}`, download a file with `GET /file/{id}`. */
  @ApiUuid()
  id: string;
  name: string;
  /** Null for folders. */
  @ApiInteger({ nullable: true })
  size_in_bytes: number | null;
  /** The lower-cased extension; null for folders. */
  type: string | null;
  /** The caller's permission on it: the strongest of this share and any share on a folder above it. */
  @ApiProperty({ enum: SHARE_PERMISSIONS })
  permission: SharePermission;
  shared_at: Date;
  owner: SharedItemOwnerDto;
}

export class SharedWithMeDto {
  /** Most recently shared first. */
  content: SharedItemDto[];
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

/** A page of what is shared with the caller. */
export class SharedWithMeQueryDto extends PageQueryDto {}
