import { Injectable } from '@nestjs/common';
import { PreviewStatus } from '../entities';
import { SqlRepository } from '../transactions';

/** Files' previews: the workers' outcome, and what the reconciler gives up on or keeps. */
@Injectable()
export class PreviewsRepository extends SqlRepository {
  /**
   * Records a pending preview's outcome, if the file's bytes are still those of `objectKey`; returns whether it
   * did (a repeat, or a preview of bytes since replaced, changes nothing).
   */
  async settlePreview(
    id: string,
    preview: {
      status: PreviewStatus;
      width: number | null;
      height: number | null;
      objectKey: string | null;
      /** A video's length and frame size as shown, recorded with its poster frame. */
      durationMs: number | null;
      mediaWidth: number | null;
      mediaHeight: number | null;
    },
  ): Promise<boolean> {
    const affected = await this.affected(
      `UPDATE items SET preview_status = $2, preview_width = $3, preview_height = $4,
              duration_ms = $6, media_width = $7, media_height = $8
        WHERE id = $1 AND kind = 'file' AND upload_status = 'confirmed' AND preview_status = 'pending'
          AND ($5::varchar IS NULL OR object_key = $5)`,
      [
        id,
        preview.status,
        preview.width,
        preview.height,
        preview.objectKey,
        preview.durationMs,
        preview.mediaWidth,
        preview.mediaHeight,
      ],
    );
    return affected === 1;
  }

  /**
   * Previews still pending since before `before` (a worker died, or the event went to the dead-letter queue):
   * marked failed, at most `limit` of them, so that clients stop waiting. Answers how many.
   */
  async abandonPreviews(before: Date, limit: number): Promise<number> {
    return this.affected(
      `UPDATE items SET preview_status = 'failed'
        WHERE id IN (SELECT id FROM items WHERE preview_status = 'pending' AND updated_at < $1 LIMIT $2)
          AND preview_status = 'pending'`,
      [before, limit],
    );
  }

  /** Which of these ids are files (live or in the trash) whose preview is stored or being made. */
  async withPreviews(ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM items WHERE id = ANY($1::uuid[]) AND kind = 'file' AND preview_status IN ('pending', 'ready')`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }
}
