import { randomBytes } from 'node:crypto';

export interface NewUserBody {
  username: string;
  email: string;
  password: string;
}

/** A registration body that no other test uses. */
export function newUserBody(overrides: Partial<NewUserBody> = {}): NewUserBody {
  const tag = randomBytes(5).toString('hex');
  return { username: `user_${tag}`, email: `user.${tag}@example.com`, password: `pass-${tag}-word`, ...overrides };
}
