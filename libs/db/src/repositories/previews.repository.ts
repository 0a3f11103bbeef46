import { Injectable } from '@nestjs/common';
import { PreviewStatus } from '../entities';
import { SqlRepository } from '../transactions';

/** A pending preview's outcome, as the workers report it. */
export interface PreviewOutcomeFacts {
  status: PreviewStatus;
  width: number | null;
  height: number | null;
  /** The bytes the preview was made from (null: the file's current ones, whichever they are). */
  objectKey: string | null;
  /** Where the preview was stored (null: wherever the row says). */
  previewKey: string | null;
  /** A video's length and frame size as shown, recorded with its poster frame. */
  durationMs: number | null;
  mediaWidth: number | null;
  mediaHeight: number | null;
}

// The outcome's columns, shared by the file and its versions: a key is kept only with a ready preview.
const SETTLED = `preview_status = $2, preview_width = $3, preview_height = $4,
  preview_key = CASE WHEN $2::varchar = 'ready' THEN preview_key END,
  duration_ms = $6, media_width = $7, media_height = $8`;

/**
 * Previews: the workers' outcomes, what the reconciler gives up on, and which stored previews rows still name. A
 * preview is its bytes': it is recorded on the file while they are the file's, on a version once they are kept as one.
 */
@Injectable()
export class PreviewsRepository extends SqlRepository {
  /**
   * Records a pending preview's outcome on whichever holds the bytes of `objectKey` now, the file or one of its
   * versions (a Replace or a restore may have moved them meanwhile); answers which, or null when neither awaited it
   * (a repeat, or bytes since deleted). The file's row is locked first, so that a restore cannot move the bytes
   * between the two looks.
   */
  async settlePreview(fileId: string, preview: PreviewOutcomeFacts): Promise<'file' | 'version' | null> {
    const params = [
      fileId,
      preview.status,
      preview.width,
      preview.height,
      preview.objectKey,
      preview.durationMs,
      preview.mediaWidth,
      preview.mediaHeight,
      preview.previewKey,
    ];
    return this.transaction(async () => {
      await this.db.query(`SELECT id FROM items WHERE id = $1 FOR UPDATE`, [fileId]);
      const onFile = await this.affected(
        `UPDATE items SET ${SETTLED}
          WHERE id = $1 AND kind = 'file' AND upload_status = 'confirmed' AND preview_status = 'pending'
            AND ($5::varchar IS NULL OR object_key = $5) AND ($9::varchar IS NULL OR preview_key = $9)`,
        params,
      );
      if (onFile === 1) return 'file';
      if (preview.objectKey === null) return null;
      const onVersion = await this.affected(
        `UPDATE file_versions SET ${SETTLED}
          WHERE file_id = $1 AND object_key = $5 AND preview_status = 'pending'
            AND ($9::varchar IS NULL OR preview_key = $9)`,
        params,
      );
      return onVersion > 0 ? 'version' : null;
    });
  }

  /**
   * Previews still pending since before `before` (a worker died, or the event went to the dead-letter queue):
   * marked failed, at most `limit` files' and `limit` versions', so that clients stop waiting. Answers the files
   * whose own preview it was (to be told) and how many in all.
   */
  async abandonPreviews(before: Date, limit: number): Promise<{ fileIds: string[]; count: number }> {
    const files = await this.rows(
      `UPDATE items SET preview_status = 'failed', preview_key = NULL
        WHERE id IN (SELECT id FROM items WHERE preview_status = 'pending' AND updated_at < $1 LIMIT $2)
          AND preview_status = 'pending'
       RETURNING id`,
      [before, limit],
    );
    const versions = await this.affected(
      `UPDATE file_versions SET preview_status = 'failed', preview_key = NULL
        WHERE id IN (SELECT id FROM file_versions WHERE preview_status = 'pending' AND replaced_at < $1 LIMIT $2)
          AND preview_status = 'pending'`,
      [before, limit],
    );
    return { fileIds: files.map((row) => row.id as string), count: files.length + versions };
  }

  /**
   * The preview keys that the rows of these files (live or in the trash) and of their versions name: previews stored
   * or being made. Any other object under a file's previews belongs to nothing.
   */
  async referencedPreviewKeys(fileIds: string[]): Promise<Set<string>> {
    const rows: { key: string }[] = await this.db.query(
      `SELECT preview_key AS key FROM items WHERE id = ANY($1::uuid[]) AND preview_key IS NOT NULL
       UNION ALL
       SELECT preview_key FROM file_versions WHERE file_id = ANY($1::uuid[]) AND preview_key IS NOT NULL`,
      [fileIds],
    );
    return new Set(rows.map((row) => row.key));
  }
}
