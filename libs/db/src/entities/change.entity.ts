import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint.transformer';
import { User } from './user.entity';

/** What a change says happened; the feed's `type`. */
export const CHANGE_KINDS = [
  'item_created',
  'item_renamed',
  'item_moved',
  'item_trashed',
  'item_restored',
  'item_purged',
  'upload_confirmed',
  'upload_rejected',
  'preview_ready',
  'preview_failed',
  'version_restored',
  'share_added',
  'share_changed',
  'share_revoked',
  'profile_photo_ready',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * One user's change feed: the last sequence number given to one of their changes, and the last one the retention
 * deleted (a cursor below it may have missed changes). Its row is what serialises writers to one feed, so that
 * sequence numbers are handed out in commit order and a reader never sees a later change before an earlier one.
 */
@Entity({ name: 'change_feeds' })
export class ChangeFeed {
  @PrimaryColumn('uuid')
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'change_feeds_user_id_fkey' })
  user?: User;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  lastSeq: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  purgedSeq: number;
}

/**
 * A change as one user hears it (a change seen by three users is three rows): written in the transaction of the
 * change itself, numbered per user. What the item was called and where it sat is kept as that user saw it then.
 */
@Entity({ name: 'changes' })
@Index('changes_created_at_idx', ['createdAt'])
@Check('changes_item_kind_check', `"item_kind" IN ('file', 'folder')`)
export class Change {
  @PrimaryColumn('uuid')
  userId: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber })
  seq: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'changes_user_id_fkey' })
  user?: User;

  @Column({ type: 'varchar', length: 32 })
  kind: ChangeKind;

  /** No foreign key: a purge's change outlives its item. */
  @Column({ type: 'uuid', nullable: true })
  itemId: string | null;

  @Column({ type: 'varchar', length: 6, nullable: true })
  itemKind: 'file' | 'folder' | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name: string | null;

  /** The item's folder, when this user could see that folder (else null, as a shared item's root is to them). */
  @Column({ type: 'uuid', nullable: true })
  parentFolderId: string | null;

  /** What else the kind carries (a share's permission and recipient, an upload's size). */
  @Column({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
