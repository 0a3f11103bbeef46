import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/contracts';
import { Item, PreviewStatus } from '../entities';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, RETURNED_COLUMNS, orNameConflict, toItem } from './item-rows';

/** An item of a copy, as it is inserted: a folder, or a confirmed file whose bytes storage has copied already. */
export interface CopiedItem {
  id: string;
  ownerId: string;
  parentFolderId: string | null;
  kind: 'file' | 'folder';
  name: string;
  /** The rest is a file's (null for a folder). */
  type: string | null;
  sizeBytes: number | null;
  contentType: string | null;
  objectKey: string | null;
  objectEtag: string | null;
  objectVersionId: string | null;
  previewStatus: PreviewStatus;
  /** The copy's own preview (copied in storage), when it has one. */
  previewKey: string | null;
  previewWidth: number | null;
  previewHeight: number | null;
  /** What the workers learnt of the bytes (a video's length and frame size): the copy's bytes are the same. */
  durationMs: number | null;
  mediaWidth: number | null;
  mediaHeight: number | null;
}

/** What a copy reads of its source, and how it writes the copy: one recursive query, one INSERT. */
@Injectable()
export class CopiesRepository extends SqlRepository {
  /**
   * The live folder `folderId` and everything live in it that a copy takes: its subfolders and confirmed files (not
   * the trash, not uploads still pending or refused), parents before their children; at most `limit` + 1 items, so
   * that a caller can tell a folder with more than `limit`.
   */
  async tree(folderId: string, limit: number): Promise<Item[]> {
    const rows = await this.rows(
      `WITH RECURSIVE down AS (
         SELECT id, kind, 0 AS depth FROM items WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL
         UNION ALL
         SELECT c.id, c.kind, down.depth + 1 FROM items c JOIN down ON c.parent_folder_id = down.id
          WHERE down.kind = 'folder' AND c.deleted_at IS NULL AND (c.kind = 'folder' OR c.upload_status = 'confirmed')
       )
       SELECT ${ITEM_COLUMNS} FROM down JOIN items i ON i.id = down.id
        ORDER BY down.depth, i.id
        LIMIT $2`,
      [folderId, limit + 1],
    );
    return rows.map(toItem);
  }

  /**
   * Inserts the copy's rows in one statement (any order: the parent of each is checked at its end); a name taken at
   * the destination meanwhile is `conflict`. Answers the rows in the order given.
   */
  async insert(items: CopiedItem[], conflict: ErrorCode): Promise<Item[]> {
    if (items.length === 0) return [];
    const rows = await orNameConflict(
      this.rows(
        `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, size_bytes, content_type, upload_status,
                            object_key, object_etag, object_version_id, preview_status, preview_key, preview_width,
                            preview_height, duration_ms, media_width, media_height)
         SELECT r.id, r.owner_id, r.parent_folder_id, r.kind, r.name, r.type, r.size_bytes, r.content_type,
                CASE WHEN r.kind = 'file' THEN 'confirmed' END, r.object_key, r.object_etag, r.object_version_id,
                r.preview_status, r.preview_key, r.preview_width, r.preview_height, r.duration_ms, r.media_width, r.media_height
           FROM jsonb_to_recordset($1::jsonb) AS r(
                  id uuid, owner_id uuid, parent_folder_id uuid, kind varchar, name varchar, type varchar,
                  size_bytes bigint, content_type varchar, object_key varchar, object_etag varchar,
                  object_version_id varchar, preview_status varchar, preview_key varchar, preview_width smallint, preview_height smallint,
                  duration_ms integer, media_width integer, media_height integer)
         RETURNING ${RETURNED_COLUMNS}`,
        [
          JSON.stringify(
            items.map((item) => ({
              id: item.id,
              owner_id: item.ownerId,
              parent_folder_id: item.parentFolderId,
              kind: item.kind,
              name: item.name,
              type: item.type,
              size_bytes: item.sizeBytes,
              content_type: item.contentType,
              object_key: item.objectKey,
              object_etag: item.objectEtag,
              object_version_id: item.objectVersionId,
              preview_status: item.previewStatus,
              preview_key: item.previewKey,
              preview_width: item.previewWidth,
              preview_height: item.previewHeight,
              duration_ms: item.durationMs,
              media_width: item.mediaWidth,
              media_height: item.mediaHeight,
            })),
          ),
        ],
      ),
      conflict,
      `Something named "${items[0].name}" already exists there.`,
    );
    const byId = new Map(rows.map((row) => [String(row.id), toItem(row)]));
    return items.map((item) => byId.get(item.id)!);
  }
}
