import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AppError } from '@app/contracts';
import { User } from '../entities';
import { SqlRepository } from '../transactions';
import { violatedUniqueConstraint } from './pg-errors';

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  quotaBytes: number;
}

export interface UserIdentity {
  id: string;
  username: string;
  tokenVersion: number;
  /** Whether the token asked about was logged out (is in revoked_tokens). */
  revoked: boolean;
}

const CREDENTIAL_INDEXES = new Set(['users_username_lower_key', 'users_email_key']);

@Injectable()
export class UsersRepository extends SqlRepository {
  private get users(): Repository<User> {
    return this.db.getRepository(User);
  }

  /** Inserts the user; a username or e-mail already taken (in any case) is `credentials_in_use`. */
  async create(user: NewUser): Promise<User> {
    try {
      return await this.users.save(this.users.create(user));
    } catch (error) {
      if (CREDENTIAL_INDEXES.has(violatedUniqueConstraint(error) ?? '')) {
        throw new AppError('credentials_in_use', 'That username or e-mail address is already registered.');
      }
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * Who the id is, if they still exist, and whether the token `jti` was logged out: the check behind every
   * authenticated request, so one lean query (one round trip, both primary-key lookups).
   */
  async findIdentity(id: string, jti: string): Promise<UserIdentity | null> {
    const rows: UserIdentity[] = await this.db.query(
      `SELECT id, username, token_version AS "tokenVersion",
              EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2) AS revoked
         FROM users WHERE id = $1`,
      [id, jti],
    );
    return rows[0] ?? null;
  }

  /**
   * Ends one token (logging out of one session), kept until it would have expired anyway. Revoking it again is no
   * error; a user who no longer exists has no token to revoke (the foreign key would refuse the row).
   */
  async revokeToken(userId: string, jti: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO revoked_tokens (jti, user_id, expires_at) SELECT $2, id, $3 FROM users WHERE id = $1
       ON CONFLICT (jti) DO NOTHING`,
      [userId, jti, expiresAt],
    );
  }

  /** Forgets up to `limit` revoked tokens that expired before `now` (they are refused as expired); answers how many. */
  async forgetExpiredRevocations(now: Date, limit: number): Promise<number> {
    return this.affected(
      `DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
  }

  /** Ends every token issued so far, every session of the account (they carry an older version); answers the new version, or null without a user. */
  async revokeTokens(id: string): Promise<number | null> {
    const [rows] = (await this.db.query(
      'UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING token_version AS version',
      [id],
    )) as [{ version: number }[], number];
    return rows[0]?.version ?? null;
  }

  /** A new password hash, and every token issued before it revoked; answers the new token version. */
  async changePassword(id: string, passwordHash: string): Promise<number | null> {
    const [rows] = (await this.db.query(
      `UPDATE users SET password_hash = $2, token_version = token_version + 1, updated_at = now()
        WHERE id = $1 RETURNING token_version AS version`,
      [id, passwordHash],
    )) as [{ version: number }[], number];
    return rows[0]?.version ?? null;
  }

  /**
   * Deletes the account. Its items (and so its trash), profile photo and shares both ways go with it (foreign keys
   * cascade); its objects in storage are the caller's to delete. Answers whether there was such a user.
   */
  async delete(id: string): Promise<boolean> {
    return (await this.affected('DELETE FROM users WHERE id = $1', [id])) === 1;
  }

  /** The user whose username or e-mail address is `login`, in any case. */
  findByLogin(login: string): Promise<User | null> {
    // Lower-cased here, as registration lower-cases e-mail addresses (JavaScript and PostgreSQL disagree on
    // some letters, such as a final sigma); usernames are ASCII, where both agree.
    const key = login.trim().toLowerCase();
    return this.users
      .createQueryBuilder('user')
      .where('lower(user.username) = :key OR user.email = :key', { key })
      .getOne();
  }
}
