import { Item } from '@app/db';
import { ItemDto, ItemOwnerDto, UnconfirmedFileDto } from './item.dto';

export type Permission = ItemDto['permission'];

/**
 * An item as one caller sees it: whose it is, what the caller may do to it, and whether its parent is theirs
 * to see (a folder shared on its own sits, for its recipient, at no parent).
 */
export interface ItemView {
  item: Item;
  owner: ItemOwnerDto;
  permission: Permission;
  parentVisible: boolean;
}

export function presentItem(view: ItemView): ItemDto {
  const dto = toItemDto(view.item, view.owner, view.permission);
  return view.parentVisible ? dto : { ...dto, parent_folder_id: null };
}

/** An item as the API shows it. */
export function toItemDto(item: Item, owner: ItemOwnerDto, permission: Permission): ItemDto {
  return {
    id: item.id,
    kind: item.kind,
    name: item.name,
    // A file whose first upload is pending shows the size it was announced with.
    size_in_bytes: item.kind === 'file' ? (item.sizeBytes ?? item.uploadSizeBytes) : null,
    type: item.kind === 'file' ? item.type : null,
    content_type: item.kind === 'file' ? item.contentType : null,
    created_at: item.createdAt,
    last_interaction: item.lastInteraction,
    parent_folder_id: item.parentFolderId,
    preview_ready: item.previewStatus === 'ready',
    preview_status: item.previewStatus,
    duration_ms: item.durationMs ?? null,
    media_width: item.mediaWidth ?? null,
    media_height: item.mediaHeight ?? null,
    owner,
    permission,
  };
}

/** A file whose first upload is awaited or failed, as its folder's editors see it (see UnconfirmedFileDto). */
export function toUnconfirmedFileDto(
  item: Item,
  owner: ItemOwnerDto,
  permission: Permission,
  now = new Date(),
): UnconfirmedFileDto {
  const awaited = item.uploadStatus === 'pending' && item.uploadExpiresAt !== null && item.uploadExpiresAt > now;
  return {
    ...toItemDto(item, owner, permission),
    upload_status: awaited ? 'uploading' : 'failed',
    upload_expires_at: item.uploadExpiresAt,
  };
}
