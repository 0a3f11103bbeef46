import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { PreviewStatus } from '@app/contracts';
import { bigintNumber } from './bigint.transformer';
import { User } from './user.entity';

export type { PreviewStatus };
export type ItemKind = 'file' | 'folder';
export type UploadStatus = 'pending' | 'confirmed' | 'rejected';

/**
 * A file or a folder: one table, so that siblings share one namespace (a unique index), a listing is one
 * keyset query with folders first, and the trash, sharing and access checks walk one parent chain.
 *
 * A file's row is a state machine: `pending` until the worker confirms its bytes arrived, then `confirmed`
 * (or `rejected`). A confirmed file may carry a second, pending upload (a "Replace"), in the `upload_*`
 * columns, which takes over only when confirmed, so a replace that never arrives loses nothing.
 *
 * Trash: deleting sets `deleted_at` on the item and on everything below it, all with `trash_root_id` = the
 * deleted item's id, so "live" is one column test and a restore undoes exactly what one deletion did.
 */
@Entity({ name: 'items' })
@Index('items_live_name_key', { synchronize: false })
@Index('items_listing_idx', { synchronize: false })
@Index('items_trash_idx', { synchronize: false })
@Index('items_pending_upload_idx', { synchronize: false })
@Index('items_pending_preview_idx', { synchronize: false })
@Index('items_unconfirmed_idx', { synchronize: false })
@Index('items_search_idx', { synchronize: false })
@Index('items_word_starts_idx', { synchronize: false })
@Index('items_parent_folder_id_idx', ['parentFolderId'])
@Check('items_kind_check', `"kind" IN ('file', 'folder')`)
@Check(
  'items_upload_status_check',
  `("kind" = 'folder') = ("upload_status" IS NULL) AND "upload_status" IN ('pending', 'confirmed', 'rejected')`,
)
@Check('items_preview_status_check', `"preview_status" IN ('none', 'pending', 'ready', 'failed', 'unsupported')`)
@Check('items_preview_key_check', `("preview_key" IS NOT NULL) = ("preview_status" IN ('pending', 'ready'))`)
@Check(
  'items_confirmed_file_check',
  `"upload_status" IS DISTINCT FROM 'confirmed' OR ("object_key" IS NOT NULL AND "size_bytes" IS NOT NULL)`,
)
@Check(
  'items_pending_upload_check',
  `("upload_key" IS NULL) = ("upload_size_bytes" IS NULL) AND ("upload_key" IS NULL) = ("upload_expires_at" IS NULL)`,
)
@Check('items_size_check', `"size_bytes" >= 0 AND "upload_size_bytes" >= 0`)
@Check('items_trash_check', `("deleted_at" IS NULL) = ("trash_root_id" IS NULL)`)
export class Item {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  ownerId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'items_owner_id_fkey' })
  owner?: User;

  /** Null at the root of the owner's drive. */
  @Column({ type: 'uuid', nullable: true })
  parentFolderId: string | null;

  @ManyToOne(() => Item, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'parent_folder_id', foreignKeyConstraintName: 'items_parent_folder_id_fkey' })
  parentFolder?: Item;

  @Column({ type: 'varchar', length: 6 })
  kind: ItemKind;

  /** NFC-normalised and trimmed; unique among live siblings regardless of case. */
  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** A file's lower-cased extension (`pdf`), '' without one; null for folders. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  type: string | null;

  /** A confirmed file's size. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  sizeBytes: number | null;

  /** A confirmed file's type, as sniffed from its bytes (or declared, when the bytes say nothing). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  contentType: string | null;

  @Column({ type: 'varchar', length: 9, nullable: true })
  uploadStatus: UploadStatus | null;

  /** Where a confirmed file's bytes are. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  objectKey: string | null;

  /** The ETag of the bytes confirmed (unquoted): downloads serve those bytes only. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  objectEtag: string | null;

  /** Their version, in a versioned S3 bucket. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  objectVersionId: string | null;

  /** Who uploaded the confirmed bytes (null when unknown: confirmed before it was recorded). */
  @Column({ type: 'uuid', nullable: true })
  objectUploadedBy: string | null;

  /** When the confirmed bytes became the file's content (null when unknown, as above). */
  @Column({ type: 'timestamptz', nullable: true })
  objectConfirmedAt: Date | null;

  /** The upload in flight (the first one, or a replacement): its key, signed size and type, and deadline. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  uploadKey: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  uploadSizeBytes: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  uploadContentType: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  uploadExpiresAt: Date | null;

  /**
   * Who asked for the upload in flight: its bytes are taken only while they may still edit the file (null for
   * uploads asked for before this was recorded).
   */
  @Column({ type: 'uuid', nullable: true })
  uploadRequestedBy: string | null;

  @Column({ type: 'varchar', length: 11, default: 'none' })
  previewStatus: PreviewStatus;

  /**
   * Where the preview of the current bytes is (ready) or will be (pending); null otherwise. A preview is its bytes':
   * a version keeps it (see FileVersion), a restore brings it back.
   */
  @Column({ type: 'varchar', length: 200, nullable: true })
  previewKey: string | null;

  /** The ready preview's size in pixels (inside 400×400). */
  @Column({ type: 'smallint', nullable: true })
  previewWidth: number | null;

  @Column({ type: 'smallint', nullable: true })
  previewHeight: number | null;

  /** A video's length in milliseconds, and its frame size as shown: learnt when its poster frame is made. */
  @Column({ type: 'integer', nullable: true })
  durationMs: number | null;

  @Column({ type: 'integer', nullable: true })
  mediaWidth: number | null;

  @Column({ type: 'integer', nullable: true })
  mediaHeight: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  /** Moves when the item is created, renamed or moved, and (folders) when something changes directly in it. */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  lastInteraction: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** The item whose deletion put this one in the trash (itself for the top-level item). */
  @Column({ type: 'uuid', nullable: true })
  trashRootId: string | null;
}
