import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A token logged out before it expired (by its `jti`): refused from then on. Kept only until the token would have
 * expired anyway; the reconciler deletes it after that.
 */
@Entity({ name: 'revoked_tokens' })
@Index('revoked_tokens_expires_at_idx', ['expiresAt'])
export class RevokedToken {
  @PrimaryColumn('uuid')
  jti: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'revoked_tokens_user_id_fkey' })
  user?: User;

  /** When the token expires: past it, the signature check refuses it and the row serves no purpose. */
  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
