import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A ticket to open one event stream (`GET /events?ticket=…`), for the browser's EventSource, which cannot send an
 * Authorization header: short-lived, used once, kept in the database so that any API instance can take it. Only its
 * SHA-256 is stored.
 */
@Entity({ name: 'event_tickets' })
@Index('event_tickets_expires_at_idx', ['expiresAt'])
export class EventTicket {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  digest: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'event_tickets_user_id_fkey' })
  user?: User;

  /** The token_version of the user when it was made: a logout everywhere voids it too. */
  @Column('integer')
  tokenVersion: number;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
