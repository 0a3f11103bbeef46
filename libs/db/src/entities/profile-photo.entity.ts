import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ProfilePhotoExtension } from '@app/contracts';
import { User } from './user.entity';

export type ProfilePhotoUploadStatus = 'processing' | 'rejected';

/**
 * A user's profile photo: the one in use (its extension names its object) and, separately, what became of the
 * latest upload, so that a rejected or unfinished upload never takes away the photo in use.
 */
@Entity({ name: 'profile_photos' })
@Check('profile_photos_extension_check', `"extension" IN ('jpg', 'webp')`)
@Check(
  'profile_photos_upload_check',
  `"upload_status" IN ('processing', 'rejected') AND ("upload_status" = 'processing') = ("upload_expires_at" IS NOT NULL)`,
)
export class ProfilePhoto {
  @PrimaryColumn('uuid')
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'profile_photos_user_id_fkey' })
  user?: User;

  /** The photo in use is at `profile_photos/resized/{user_id}/photo.{extension}`; null when there is none. */
  @Column({ type: 'varchar', length: 4, nullable: true })
  extension: ProfilePhotoExtension | null;

  /** The latest upload, while it is awaited or checked (`processing`), or when it was refused (`rejected`). */
  @Column({ type: 'varchar', length: 10, nullable: true })
  uploadStatus: ProfilePhotoUploadStatus | null;

  /** When a `processing` upload is given up on (its URL's expiry plus the grace period). */
  @Column({ type: 'timestamptz', nullable: true })
  uploadExpiresAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
