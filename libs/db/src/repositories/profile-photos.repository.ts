import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import type { ProfilePhotoExtension, ProfilePhotoOutcome } from '@app/contracts';
import { ProfilePhoto } from '../entities';
import { SqlRepository } from '../transactions';

/** What a verdict did: its answer, the photo it put out of use, and the photo in use after it. */
export interface ProfilePhotoSettlement {
  answer: ProfilePhotoOutcome | 'discarded';
  replaced: ProfilePhotoExtension | null;
  inUse: ProfilePhotoExtension | null;
}

/** Profile photos: one row per user who ever asked for one. */
@Injectable()
export class ProfilePhotosRepository extends SqlRepository {
  private get photos(): Repository<ProfilePhoto> {
    return this.db.getRepository(ProfilePhoto);
  }

  find(userId: string): Promise<ProfilePhoto | null> {
    return this.photos.findOneBy({ userId });
  }

  /** An upload was handed out: it is `processing` until the workers settle it or it expires. */
  async startUpload(userId: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO profile_photos (user_id, upload_status, upload_expires_at) VALUES ($1, 'processing', $2)
       ON CONFLICT (user_id) DO UPDATE SET upload_status = 'processing', upload_expires_at = $2, updated_at = now()`,
      [userId, expiresAt],
    );
  }

  /**
   * The workers' verdict on the upload being processed. `ready` puts the new photo in use, answering the
   * extension of the one it replaces (whose object is then garbage); `rejected` keeps the photo in use. A
   * verdict when no upload is being processed (the photo was deleted meanwhile, or there never was one) is
   * `discarded`, unless it repeats the one recorded. Null when the user does not exist.
   */
  async settle(
    userId: string,
    outcome: ProfilePhotoOutcome,
    extension: ProfilePhotoExtension | null,
  ): Promise<ProfilePhotoSettlement | null> {
    return this.transaction(async () => {
      const users: unknown[] = await this.db.query(`SELECT 1 FROM users WHERE id = $1 FOR SHARE`, [userId]);
      if (users.length === 0) return null;
      const rows: Pick<ProfilePhoto, 'extension' | 'uploadStatus'>[] = await this.db.query(
        `SELECT extension, upload_status AS "uploadStatus" FROM profile_photos WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      const current = rows[0];
      if (current?.uploadStatus !== 'processing') {
        const repeat =
          outcome === 'ready'
            ? current?.uploadStatus === null && current.extension === extension
            : current?.uploadStatus === 'rejected';
        return { answer: repeat ? outcome : 'discarded', replaced: null, inUse: current?.extension ?? null };
      }
      const ready = outcome === 'ready';
      await this.db.query(
        `UPDATE profile_photos
            SET extension = COALESCE($2, extension), upload_status = $3, upload_expires_at = NULL, updated_at = now()
          WHERE user_id = $1`,
        [userId, ready ? extension : null, ready ? null : 'rejected'],
      );
      return {
        answer: outcome,
        replaced: ready && current.extension !== extension ? current.extension : null,
        inUse: ready ? extension : current.extension,
      };
    });
  }

  /** Forgets the user's photo and any upload; answers the extension of the photo that was in use. */
  async remove(userId: string): Promise<ProfilePhotoExtension | null> {
    const rows = await this.rows(`DELETE FROM profile_photos WHERE user_id = $1 RETURNING extension`, [userId]);
    return (rows[0]?.extension as ProfilePhotoExtension | null | undefined) ?? null;
  }
}
