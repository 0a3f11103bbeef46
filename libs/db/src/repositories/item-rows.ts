import { AppError, ErrorCode } from '@app/contracts';
import { Item } from '../entities';
import { violatedUniqueConstraint } from './pg-errors';

// What the repositories that read items share; not exported by the library, so SQL stays inside it.

/**
 * A listed item: a live folder, or a live, confirmed file. Written exactly as the predicate of the partial
 * index items_listing_idx, so that the planner sees it applies.
 */
export const LISTED = `i.deleted_at IS NULL AND i.upload_status IS DISTINCT FROM 'pending' AND i.upload_status IS DISTINCT FROM 'rejected'`;

export const ITEM_COLUMNS = `i.id, i.owner_id AS "ownerId", i.parent_folder_id AS "parentFolderId", i.kind, i.name, i.type,
  i.size_bytes AS "sizeBytes", i.content_type AS "contentType", i.upload_status AS "uploadStatus",
  i.object_key AS "objectKey", i.object_etag AS "objectEtag", i.object_version_id AS "objectVersionId",
  i.object_uploaded_by AS "objectUploadedBy", i.object_confirmed_at AS "objectConfirmedAt",
  i.upload_key AS "uploadKey", i.upload_size_bytes AS "uploadSizeBytes",
  i.upload_content_type AS "uploadContentType", i.upload_expires_at AS "uploadExpiresAt",
  i.upload_requested_by AS "uploadRequestedBy",
  i.preview_status AS "previewStatus", i.preview_key AS "previewKey", i.preview_width AS "previewWidth", i.preview_height AS "previewHeight",
  i.duration_ms AS "durationMs", i.media_width AS "mediaWidth", i.media_height AS "mediaHeight",
  i.created_at AS "createdAt", i.updated_at AS "updatedAt",
  i.last_interaction AS "lastInteraction", i.deleted_at AS "deletedAt", i.trash_root_id AS "trashRootId"`;

/** Rows from raw queries come back with bigint as strings; the entity speaks numbers. */
export function toItem(row: Row): Item {
  const item = row as unknown as Item;
  if (row.sizeBytes !== null && row.sizeBytes !== undefined) item.sizeBytes = Number(row.sizeBytes);
  if (row.uploadSizeBytes !== null && row.uploadSizeBytes !== undefined)
    item.uploadSizeBytes = Number(row.uploadSizeBytes);
  return item;
}

export type Row = Record<string, unknown>;

/**
 * A keyset page read with one row more than asked for: the page, and its last row when there are more (the place
 * the next page resumes from).
 */
export function splitPage<T>(rows: T[], limit: number): { page: T[]; resumeAfter: T | undefined } {
  const page = rows.slice(0, limit);
  return { page, resumeAfter: rows.length > limit ? page.at(-1) : undefined };
}

/** ITEM_COLUMNS for RETURNING (no table alias there). */
export const RETURNED_COLUMNS = ITEM_COLUMNS.replace(/\bi\./g, '');

/** Turns a violation of the sibling-name index into the caller's conflict error. */
export async function orNameConflict<T>(work: Promise<T>, code: ErrorCode, detail: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (violatedUniqueConstraint(error) === 'items_live_name_key') throw new AppError(code, detail);
    throw error;
  }
}
