import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from './bigint.transformer';
import type { PreviewStatus } from '@app/contracts';
import { Item } from './item.entity';
import { User } from './user.entity';

/**
 * A file's earlier content, kept when a `Replace` took over (or a restore put another version back): its own
 * object, pinned by ETag (and S3 version) as the file's bytes are. Its bytes count against the owner's quota
 * until the version is deleted, dropped by the retention or purged with its file. It keeps its bytes' preview and
 * what the workers learnt of them (the columns of the file's that a restore puts back), and so the preview's object.
 */
@Entity({ name: 'file_versions' })
// A file's versions, newest first: one index range.
@Index('file_versions_file_id_replaced_at_idx', ['fileId', 'replacedAt', 'id'])
// The retention's age limit: the oldest first, whatever their file.
@Index('file_versions_replaced_at_idx', ['replacedAt'])
// Previews the reconciler may give up on (partial: written in the migration).
@Index('file_versions_pending_preview_idx', { synchronize: false })
@Check(
  'file_versions_preview_status_check',
  `"preview_status" IN ('none', 'pending', 'ready', 'failed', 'unsupported')`,
)
@Check('file_versions_preview_key_check', `("preview_key" IS NOT NULL) = ("preview_status" IN ('pending', 'ready'))`)
export class FileVersion {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  fileId: string;

  @ManyToOne(() => Item, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'file_id', foreignKeyConstraintName: 'file_versions_file_id_fkey' })
  file?: Item;

  /** The file's owner, whose quota the bytes count against. */
  @Column({ type: 'uuid' })
  ownerId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'file_versions_owner_id_fkey' })
  owner?: User;

  @Column({ type: 'varchar', length: 200 })
  objectKey: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  objectEtag: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  objectVersionId: string | null;

  @Column({ type: 'bigint', transformer: bigintNumber })
  sizeBytes: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  contentType: string | null;

  /** Who uploaded these bytes (null when unknown: uploaded before it was recorded, or the account is gone). */
  @Column({ type: 'uuid', nullable: true })
  uploadedBy: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'uploaded_by', foreignKeyConstraintName: 'file_versions_uploaded_by_fkey' })
  uploader?: User;

  /** When these bytes became the file's content. */
  @Column({ type: 'timestamptz' })
  confirmedAt: Date;

  /** When they stopped being it. */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  replacedAt: Date;

  /** The preview of these bytes, as the file had it (`none` for versions kept before previews were kept). */
  @Column({ type: 'varchar', length: 11, default: 'none' })
  previewStatus: PreviewStatus;

  @Column({ type: 'varchar', length: 200, nullable: true })
  previewKey: string | null;

  @Column({ type: 'smallint', nullable: true })
  previewWidth: number | null;

  @Column({ type: 'smallint', nullable: true })
  previewHeight: number | null;

  @Column({ type: 'integer', nullable: true })
  durationMs: number | null;

  @Column({ type: 'integer', nullable: true })
  mediaWidth: number | null;

  @Column({ type: 'integer', nullable: true })
  mediaHeight: number | null;
}
