import { Injectable } from '@nestjs/common';
import { FileVersion, Item } from '../entities';
import { SqlRepository } from '../transactions';
import { RETURNED_COLUMNS, Row, toItem } from './item-rows';

/** A version as listed: the row and its uploader's name. */
export interface ListedVersion extends FileVersion {
  uploaderName: string | null;
}

const VERSION_COLUMNS = `v.id, v.file_id AS "fileId", v.owner_id AS "ownerId", v.object_key AS "objectKey",
  v.object_etag AS "objectEtag", v.object_version_id AS "objectVersionId", v.size_bytes AS "sizeBytes",
  v.content_type AS "contentType", v.uploaded_by AS "uploadedBy", v.confirmed_at AS "confirmedAt",
  v.replaced_at AS "replacedAt", v.preview_status AS "previewStatus", v.preview_key AS "previewKey",
  v.preview_width AS "previewWidth", v.preview_height AS "previewHeight", v.duration_ms AS "durationMs",
  v.media_width AS "mediaWidth", v.media_height AS "mediaHeight"`;
/** What a content carries along between the file and its versions: its preview and what was learnt of its bytes. */
const PREVIEW_FACTS =
  'preview_status, preview_key, preview_width, preview_height, duration_ms, media_width, media_height';
const RETURNED_VERSION = VERSION_COLUMNS.replace(/\bv\./g, '');

/** The objects versions hold in storage, to delete once their rows are gone: their bytes, and their previews. */
export function versionObjects(versions: FileVersion[]): string[] {
  return versions.flatMap((version) => [version.objectKey, ...(version.previewKey ? [version.previewKey] : [])]);
}

function toVersion<T extends FileVersion>(row: Row): T {
  return { ...(row as unknown as T), sizeBytes: Number(row.sizeBytes) };
}

/**
 * A file's earlier contents. A version is made from the file's current bytes (when a Replace or a restore
 * takes over) and goes back into the file on a restore, each time with its preview (and media facts); deleted,
 * dropped by the retention or purged, its bytes and its preview are the caller's to free (quota) and delete
 * (storage).
 */
@Injectable()
export class VersionsRepository extends SqlRepository {
  /** The file's current bytes become a version, with their preview (nothing when it has none yet); answers with it. */
  async keepCurrent(fileId: string): Promise<FileVersion | null> {
    const rows = await this.rows(
      `INSERT INTO file_versions (file_id, owner_id, object_key, object_etag, object_version_id, size_bytes,
                                  content_type, uploaded_by, confirmed_at, ${PREVIEW_FACTS})
       SELECT id, owner_id, object_key, object_etag, object_version_id, size_bytes, content_type,
              object_uploaded_by, COALESCE(object_confirmed_at, created_at), ${PREVIEW_FACTS}
         FROM items WHERE id = $1 AND kind = 'file' AND object_key IS NOT NULL
       RETURNING ${RETURNED_VERSION}`,
      [fileId],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  /** Who uploaded the file's current bytes, by name (null when unknown). */
  async currentUploaderName(fileId: string): Promise<string | null> {
    const rows = await this.rows(
      `SELECT u.username FROM items i JOIN users u ON u.id = i.object_uploaded_by WHERE i.id = $1`,
      [fileId],
    );
    return rows[0] ? String(rows[0].username) : null;
  }

  /** A file's versions, newest first, with their uploaders' names. */
  async list(fileId: string): Promise<ListedVersion[]> {
    const rows = await this.rows(
      `SELECT ${VERSION_COLUMNS}, u.username AS "uploaderName"
         FROM file_versions v LEFT JOIN users u ON u.id = v.uploaded_by
        WHERE v.file_id = $1 ORDER BY v.replaced_at DESC, v.id DESC`,
      [fileId],
    );
    return rows.map((row) => toVersion<ListedVersion>(row));
  }

  /**
   * One of the file's versions, or null (another file's version is not this file's). `lock` holds its row until
   * the transaction ends, so that a concurrent delete (or the retention) cannot take its object away meanwhile.
   */
  async find(fileId: string, versionId: string, { lock = false } = {}): Promise<ListedVersion | null> {
    const rows = await this.rows(
      `SELECT ${VERSION_COLUMNS}, u.username AS "uploaderName"
         FROM file_versions v LEFT JOIN users u ON u.id = v.uploaded_by
        WHERE v.id = $1 AND v.file_id = $2${lock ? ' FOR UPDATE OF v' : ''}`,
      [versionId, fileId],
    );
    return rows[0] ? toVersion<ListedVersion>(rows[0]) : null;
  }

  /**
   * The version's bytes become the file's and the file's current bytes a version (history kept), in one
   * transaction; each takes its preview and media facts along, so the restored bytes show their own preview at
   * once. Answers with the file, or null when the version is gone (deleted meanwhile).
   */
  async restore(fileId: string, versionId: string): Promise<Item | null> {
    return this.transaction(async () => {
      // Locked: a delete of this version waits, then finds it gone, and never deletes the bytes restored.
      const version = await this.find(fileId, versionId, { lock: true });
      if (!version) return null;
      await this.keepCurrent(fileId);
      const rows = await this.rows(
        `UPDATE items SET object_key = $2, object_etag = $3, object_version_id = $4, size_bytes = $5,
                content_type = $6, object_uploaded_by = $7, object_confirmed_at = now(), updated_at = now(),
                (${PREVIEW_FACTS}) = (SELECT ${PREVIEW_FACTS} FROM file_versions WHERE id = $8)
          WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
        [
          fileId,
          version.objectKey,
          version.objectEtag,
          version.objectVersionId,
          version.sizeBytes,
          version.contentType,
          version.uploadedBy,
          versionId,
        ],
      );
      await this.db.query(`DELETE FROM file_versions WHERE id = $1`, [versionId]);
      return toItem(rows[0]);
    });
  }

  /** Deletes the version and answers with what it held, or null when it was already gone. */
  async remove(fileId: string, versionId: string): Promise<FileVersion | null> {
    const rows = await this.rows(
      `DELETE FROM file_versions WHERE id = $1 AND file_id = $2 RETURNING ${RETURNED_VERSION}`,
      [versionId, fileId],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  /**
   * Deletes the versions beyond the retention, at most `limit` of them, and answers with what they held: those
   * after a file's `maxCount` newest (when `maxCount` > 0), and those replaced before `replacedBefore` (when
   * given). Rows locked by another replica's pass are skipped, so each goes once.
   */
  async removeBeyondRetention(
    { maxCount, replacedBefore }: { maxCount: number; replacedBefore: Date | null },
    limit: number,
  ): Promise<FileVersion[]> {
    if (maxCount === 0 && replacedBefore === null) return [];
    const rows = await this.rows(
      `WITH ranked AS (
         SELECT id, replaced_at, row_number() OVER (PARTITION BY file_id ORDER BY replaced_at DESC, id DESC) AS rank
           FROM file_versions
       ), doomed AS (
         SELECT v.id FROM file_versions v JOIN ranked r ON r.id = v.id
          WHERE ($1::int > 0 AND r.rank > $1::int) OR ($2::timestamptz IS NOT NULL AND v.replaced_at < $2::timestamptz)
          ORDER BY v.replaced_at LIMIT $3 FOR UPDATE OF v SKIP LOCKED
       )
       DELETE FROM file_versions WHERE id IN (SELECT id FROM doomed) RETURNING ${RETURNED_VERSION}`,
      [maxCount, replacedBefore, limit],
    );
    return rows.map((row) => toVersion(row));
  }

  /** Deletes the versions of the files a trash entry holds (before its purge) and answers with what they held. */
  async removeOfTrashEntry(rootId: string): Promise<FileVersion[]> {
    const rows = await this.rows(
      `DELETE FROM file_versions WHERE file_id IN (SELECT id FROM items WHERE trash_root_id = $1)
       RETURNING ${RETURNED_VERSION}`,
      [rootId],
    );
    return rows.map((row) => toVersion(row));
  }
}
