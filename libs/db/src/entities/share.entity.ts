import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Item } from './item.entity';
import { User } from './user.entity';

export type SharePermission = 'view' | 'edit';

/**
 * A grant of `view` or `edit` on a file or a folder (and so on everything below it) to another user. The item's
 * owner is the sharer: an item never changes owner, so it is not repeated here. One grant per item and recipient,
 * by a unique constraint (a check before inserting would race); a grant goes with its item when the item is
 * purged, and with its recipient when that account goes.
 */
@Entity({ name: 'shares' })
@Unique('shares_item_id_recipient_id_key', ['itemId', 'recipientId'])
// "Shared with me", most recent first: one index range per page.
@Index('shares_recipient_id_created_at_idx', ['recipientId', 'createdAt', 'id'])
@Check('shares_permission_check', `"permission" IN ('view', 'edit')`)
export class Share {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  itemId: string;

  @ManyToOne(() => Item, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id', foreignKeyConstraintName: 'shares_item_id_fkey' })
  item?: Item;

  @Column({ type: 'uuid' })
  recipientId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'recipient_id', foreignKeyConstraintName: 'shares_recipient_id_fkey' })
  recipient?: User;

  @Column({ type: 'varchar', length: 4 })
  permission: SharePermission;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
