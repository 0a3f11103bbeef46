import { Injectable } from '@nestjs/common';
import { Item, PreviewStatus } from '../entities';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, RETURNED_COLUMNS, Row, orNameConflict, toItem } from './item-rows';

export interface PendingUpload {
  uploadKey: string;
  sizeBytes: number;
  contentType: string;
  expiresAt: Date;
  /** The user who asked for it. */
  requestedBy: string;
}

/** The bytes an upload left in storage, as confirmed. */
export interface ConfirmedObject {
  sizeBytes: number;
  contentType: string;
  etag: string | null;
  versionId: string | null;
}

export interface NewPendingFile extends PendingUpload {
  id: string;
  ownerId: string;
  parentFolderId: string | null;
  name: string;
  /** The lower-cased extension, '' without one. */
  type: string;
}

/** A file's uploads: the pending file of a first upload, a replacement in flight, and how each one settles. */
@Injectable()
export class UploadsRepository extends SqlRepository {
  /** A new file, pending until its upload is confirmed; a taken name is `file_name_conflict`. */
  async insertPendingFile(file: NewPendingFile): Promise<Item> {
    const rows = await orNameConflict(
      this.rows(
        `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, upload_status, content_type,
                            upload_key, upload_size_bytes, upload_content_type, upload_expires_at, upload_requested_by)
         VALUES ($1, $2, $3, 'file', $4, $5, 'pending', $6, $7, $8, $6, $9, $10) RETURNING ${RETURNED_COLUMNS}`,
        [
          file.id,
          file.ownerId,
          file.parentFolderId,
          file.name,
          file.type,
          file.contentType,
          file.uploadKey,
          file.sizeBytes,
          file.expiresAt,
          file.requestedBy,
        ],
      ),
      'file_name_conflict',
      `A file or folder named "${file.name}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /**
   * Many new pending files in one statement; those whose name is taken (by a live sibling, or by an earlier
   * file of the same batch) are skipped. Answers with the files inserted.
   */
  async insertPendingFiles(files: NewPendingFile[]): Promise<Item[]> {
    if (files.length === 0) return [];
    const column = <K extends keyof NewPendingFile>(key: K) => files.map((file) => file[key]);
    const rows = await this.rows(
      `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, upload_status, content_type,
                          upload_key, upload_size_bytes, upload_content_type, upload_expires_at, upload_requested_by)
       SELECT f.id, f.owner_id, f.parent_folder_id, 'file', f.name, f.type, 'pending', f.content_type,
              f.upload_key, f.size_bytes, f.content_type, f.expires_at, f.requested_by
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::timestamptz[], $10::uuid[])
              WITH ORDINALITY AS f(id, owner_id, parent_folder_id, name, type, content_type, upload_key, size_bytes, expires_at, requested_by, position)
        ORDER BY f.position
       ON CONFLICT (owner_id, parent_folder_id, lower(name)) WHERE deleted_at IS NULL AND upload_status IS DISTINCT FROM 'rejected'
       DO NOTHING
       RETURNING ${RETURNED_COLUMNS}`,
      [
        column('id'),
        column('ownerId'),
        column('parentFolderId'),
        column('name'),
        column('type'),
        column('contentType'),
        column('uploadKey'),
        column('sizeBytes'),
        column('expiresAt'),
        column('requestedBy'),
      ],
    );
    return rows.map(toItem);
  }

  /** Deletes rows outright (pending files refused within the transaction that made them). */
  async deleteRows(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.query(`DELETE FROM items WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Records a new upload in flight on an existing file (a "Replace"), superseding any earlier one. */
  async setPendingUpload(id: string, upload: PendingUpload): Promise<Item> {
    const rows = await this.rows(
      `UPDATE items SET upload_key = $2, upload_size_bytes = $3, upload_content_type = $4, upload_expires_at = $5,
              upload_requested_by = $6, last_interaction = now(), updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [id, upload.uploadKey, upload.sizeBytes, upload.contentType, upload.expiresAt, upload.requestedBy],
    );
    return toItem(rows[0]);
  }

  /**
   * The pending upload becomes the file's bytes, pinned by their ETag (and version). Its preview starts again:
   * `pending` when the workers will make one (the bytes are an image they preview), at `previewKey`, else what
   * `previewStatus` says.
   */
  async confirmUpload(
    id: string,
    upload: ConfirmedObject & { previewStatus: PreviewStatus; previewKey: string | null },
  ): Promise<Item> {
    const rows = await this.rows(
      `UPDATE items SET upload_status = 'confirmed', object_key = upload_key, size_bytes = $2, content_type = $3,
              object_etag = $5, object_version_id = $6, object_uploaded_by = upload_requested_by,
              object_confirmed_at = now(), upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
              upload_requested_by = NULL,
              preview_status = $4, preview_key = $7, preview_width = NULL, preview_height = NULL,
              duration_ms = NULL, media_width = NULL, media_height = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [
        id,
        upload.sizeBytes,
        upload.contentType,
        upload.previewStatus,
        upload.etag,
        upload.versionId,
        upload.previewKey,
      ],
    );
    return toItem(rows[0]);
  }

  /**
   * The pending upload is refused: a first upload leaves a rejected file (which frees its name and is never
   * listed); a replacement is simply forgotten and the file keeps its bytes.
   */
  async rejectUpload(id: string): Promise<Item> {
    const rows = await this.rows(
      `UPDATE items SET upload_status = CASE WHEN object_key IS NULL THEN 'rejected' ELSE upload_status END,
              upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
              upload_requested_by = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [id],
    );
    return toItem(rows[0]);
  }

  /** Uploads in flight whose URL was handed out before `requestedBefore`, oldest first (the reconciler). */
  async pendingUploads(requestedBefore: Date, ttlSeconds: number, limit: number): Promise<Item[]> {
    const rows = await this.db.query(
      `SELECT ${ITEM_COLUMNS} FROM items i
        WHERE i.upload_key IS NOT NULL AND i.upload_expires_at < $1::timestamptz + make_interval(secs => $2)
        ORDER BY i.upload_expires_at LIMIT $3`,
      [requestedBefore, ttlSeconds, limit],
    );
    return rows.map(toItem);
  }

  /**
   * Forgets an upload that never arrived, if it is still the one in flight: a first upload's row goes, a
   * replacement is cleared from its file. Answers with the bytes it had reserved (0 when already settled).
   */
  async forgetUpload(id: string, uploadKey: string): Promise<{ ownerId: string; reserved: number } | null> {
    const deleted = await this.rows(
      `DELETE FROM items WHERE id = $1 AND upload_key = $2 AND object_key IS NULL
       RETURNING owner_id AS "ownerId", upload_size_bytes AS "reserved"`,
      [id, uploadKey],
    );
    const cleared = deleted.length
      ? deleted
      : await this.rows(
          `UPDATE items i SET upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
                  upload_requested_by = NULL
             FROM (SELECT id, upload_size_bytes FROM items WHERE id = $1 AND upload_key = $2 FOR UPDATE) before
            WHERE i.id = before.id
           RETURNING i.owner_id AS "ownerId", before.upload_size_bytes AS "reserved"`,
          [id, uploadKey],
        );
    return cleared[0] ? { ownerId: String(cleared[0].ownerId), reserved: Number(cleared[0].reserved) } : null;
  }

  /**
   * The files of a folder (or the root) whose first upload is awaited or was refused, newest first: they are not
   * listed with the rest, yet an awaited one holds its name. At most `limit`.
   */
  async unconfirmedFiles(ownerId: string, parentFolderId: string | null, limit: number): Promise<Item[]> {
    // `IS NULL` and `=` rather than IS NOT DISTINCT FROM, which no index answers.
    const parent = parentFolderId === null ? 'i.parent_folder_id IS NULL' : 'i.parent_folder_id = $3';
    const rows: Row[] = await this.db.query(
      `SELECT ${ITEM_COLUMNS} FROM items i
        WHERE i.owner_id = $1 AND ${parent} AND i.object_key IS NULL AND i.kind = 'file' AND i.deleted_at IS NULL
        ORDER BY i.created_at DESC, i.id DESC LIMIT $2`,
      parentFolderId === null ? [ownerId, limit] : [ownerId, limit, parentFolderId],
    );
    return rows.map(toItem);
  }

  /** For each id that has a row: the objects the row points at (its bytes, its upload in flight, its versions). */
  async referencedKeys(ids: string[]): Promise<Set<string>> {
    const rows: { objectKey: string | null; uploadKey: string | null }[] = await this.db.query(
      `SELECT object_key AS "objectKey", upload_key AS "uploadKey" FROM items WHERE id = ANY($1::uuid[])
       UNION ALL
       SELECT object_key, NULL FROM file_versions WHERE file_id = ANY($1::uuid[])`,
      [ids],
    );
    return new Set(rows.flatMap((row) => [row.objectKey, row.uploadKey]).filter((key): key is string => !!key));
  }
}
