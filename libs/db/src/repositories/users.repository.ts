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

const CREDENTIAL_INDEXES = new Set(['users_username_lower_key', 'users_email_key']);

@Injectable()
export class UsersRepository {
  private readonly users: Repository<User>;

  constructor(dataSource: DataSource) {
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

  /** The user whose username (in any case) or e-mail address is `login`. */
  findByLogin(login: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .where('lower(user.username) = lower(:login) OR user.email = lower(:login)', { login })
      .getOne();
  }
}
