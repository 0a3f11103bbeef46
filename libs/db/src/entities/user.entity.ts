import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from './bigint.transformer';

@Entity({ name: 'users' })
// Case-insensitive uniqueness lives in expression indexes that the migration creates by hand.
@Index('users_username_lower_key', { synchronize: false })
@Index('users_email_key', { synchronize: false })
@Check('users_email_lower_check', '"email" = lower("email")')
@Check('users_quota_bytes_check', '"quota_bytes" >= 0')
@Check('users_used_bytes_check', '"used_bytes" >= 0')
@Check('users_reserved_bytes_check', '"reserved_bytes" >= 0')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  username: string;

  /** Stored lower-cased. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 60 })
  passwordHash: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  quotaBytes: number;

  /** Bytes of confirmed files, trash included. */
  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  usedBytes: number;

  /** Bytes promised to pending uploads. */
  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  reservedBytes: number;

  /**
   * Tokens carry the version they were issued under (`ver`); raising it (log out, password change) makes every
   * earlier token invalid at once, checked in the same lookup that finds the user.
   */
  @Column({ type: 'integer', default: 0 })
  tokenVersion: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
