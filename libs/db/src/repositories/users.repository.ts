import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { AppError } from '@app/contracts';
import { User } from '../entities';
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
}

const CREDENTIAL_INDEXES = new Set(['users_username_lower_key', 'users_email_key']);

@Injectable()
export class UsersRepository {
  private readonly users: Repository<User>;

  constructor(private readonly dataSource: DataSource) {
    this.users = dataSource.getRepository(User);
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

  /** Who the id is, if they still exist: the check behind every authenticated request, so one lean query. */
  async findIdentity(id: string): Promise<UserIdentity | null> {
    const rows: UserIdentity[] = await this.dataSource.query('SELECT id, username FROM users WHERE id = $1', [id]);
    return rows[0] ?? null;
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
