import { Injectable } from '@nestjs/common';
import { SqlRepository } from '../transactions';

/** One entry of a folder's zip: a folder (a directory entry), or a confirmed file and where its bytes are. */
export interface ArchiveEntry {
  /** The path inside the folder, names as the user sees them, joined by `/`. */
  path: string;
  kind: 'file' | 'folder';
  sizeBytes: number;
  objectKey: string | null;
  objectEtag: string | null;
  objectVersionId: string | null;
  updatedAt: Date;
}

interface EntryRow {
  path: string;
  kind: 'file' | 'folder';
  size_bytes: string | null;
  object_key: string | null;
  object_etag: string | null;
  object_version_id: string | null;
  updated_at: Date;
}

/** What a folder's zip is made of: everything live below it, read in one recursive query. */
@Injectable()
export class ArchivesRepository extends SqlRepository {
  /**
   * The folders and confirmed files below `folderId`, in path order; at most `limit` + 1, so that a caller can
   * tell a folder with more than `limit`. Trashed items, and files whose first upload is not confirmed, are not
   * in it (a confirmed file with a replacement on the way is, with the bytes it has now).
   */
  async entries(folderId: string, limit: number): Promise<ArchiveEntry[]> {
    const rows: EntryRow[] = await this.db.query(
      `WITH RECURSIVE down AS (
         SELECT id, kind, name::text AS path FROM items
          WHERE parent_folder_id = $1 AND deleted_at IS NULL AND (kind = 'folder' OR upload_status = 'confirmed')
         UNION ALL
         SELECT c.id, c.kind, down.path || '/' || c.name FROM items c JOIN down ON c.parent_folder_id = down.id
          WHERE down.kind = 'folder' AND c.deleted_at IS NULL AND (c.kind = 'folder' OR c.upload_status = 'confirmed')
       )
       SELECT down.path, i.kind, i.size_bytes, i.object_key, i.object_etag, i.object_version_id, i.updated_at
         FROM down JOIN items i ON i.id = down.id
        ORDER BY down.path COLLATE "C"
        LIMIT $2`,
      [folderId, limit + 1],
    );
    return rows.map((row) => ({
      path: row.path,
      kind: row.kind,
      sizeBytes: Number(row.size_bytes ?? 0),
      objectKey: row.object_key,
      objectEtag: row.object_etag,
      objectVersionId: row.object_version_id,
      updatedAt: row.updated_at,
    }));
  }
}
