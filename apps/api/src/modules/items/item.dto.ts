import { ApiProperty } from '@nestjs/swagger';
import { ApiInteger, ApiUuid } from '../../common/openapi/api-types';

export class ItemOwnerDto {
  @ApiUuid()
  id: string;
  username: string;
}

/** A file or a folder, as every listing shows it. */
export class ItemDto {
  @ApiUuid()
  id: string;
  @ApiProperty({ enum: ['file', 'folder'] })
  kind: 'file' | 'folder';
  name: string;
  /** Null for folders. */
  @ApiInteger({ nullable: true })
  size_in_bytes: number | null;
  /** The lower-cased extension (`pdf`, '' without one); null for folders. */
  type: string | null;
  /** The type sniffed from the file's bytes; null for folders. */
  content_type: string | null;
  created_at: Date;
  /** When it, or (for a folder) something directly in it, was last created, renamed, moved or deleted. */
  last_interaction: Date;
  /** Null at the root. */
  @ApiUuid({ nullable: true })
  parent_folder_id: string | null;
  /** Whether a preview can be fetched now. */
  preview_ready: boolean;
  @ApiProperty({ enum: ['none', 'pending', 'ready', 'failed', 'unsupported'] })
  preview_status: 'none' | 'pending' | 'ready' | 'failed' | 'unsupported';
  owner: ItemOwnerDto;
  /** The caller's permission on it. */
  @ApiProperty({ enum: ['owner', 'edit', 'view'] })
  permission: 'owner' | 'edit' | 'view';
}
