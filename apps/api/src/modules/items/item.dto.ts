import { ApiProperty } from '@nestjs/swagger';
import { ApiInteger, ApiUuid } from '../../common/openapi/api-types';

export class ItemOwnerDto {
  @ApiUuid()
  id: string;
  username: string;
}

/** A folder above an item (a listing's folder, a search hit), as the caller may see it. */
export class PathEntryDto {
  @ApiUuid()
  id: string;
  name: string;
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
  /** A video's length in milliseconds, once its poster frame is ready; null otherwise (and for folders). */
  @ApiInteger({ nullable: true })
  duration_ms: number | null;
  /** A video's frame width in pixels as shown, once its poster frame is ready; null otherwise. */
  @ApiInteger({ nullable: true })
  media_width: number | null;
  /** A video's frame height in pixels as shown, once its poster frame is ready; null otherwise. */
  @ApiInteger({ nullable: true })
  media_height: number | null;
  owner: ItemOwnerDto;
  /** The caller's permission on it. */
  @ApiProperty({ enum: ['owner', 'edit', 'view'] })
  permission: 'owner' | 'edit' | 'view';
}

/**
 * A file whose first upload has not been confirmed: not among the listed items, yet, while `uploading`, it holds its
 * name. `DELETE /file/{id}` cancels it (or dismisses a failed one) and frees its name and reserved quota at once.
 */
export class UnconfirmedFileDto extends ItemDto {
  /**
   * `uploading`: its upload URL is still valid and the bytes are awaited; `failed`: the URL expired without the bytes
   * (the name is held until the upload is forgotten, some minutes later, or deleted), or the bytes were refused.
   */
  @ApiProperty({ enum: ['uploading', 'failed'] })
  upload_status: 'uploading' | 'failed';
  /** When its upload URL expires (expired, or null when the bytes were refused). */
  @ApiProperty({ type: Date, nullable: true })
  upload_expires_at: Date | null;
}
