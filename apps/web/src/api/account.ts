/**
 * The account: sign up, log in and out, the password, deleting the account, the storage figures.
 * Logout, password change, account deletion and GET /user are being added to the API: until the SDK is
 * regenerated with them, this module is the one place that calls them by untyped path (see `pending`).
 */
import type { DriveUser } from '@app/sdk';
import { api, ApiError, unwrap } from './client';
import { session } from './session';

export async function signUp(username: string, email: string, password: string): Promise<void> {
  await unwrap(api.POST('/user', { body: { username, email, password } }));
  await logIn(username, password);
}

export async function logIn(username: string, password: string): Promise<void> {
  const token = await unwrap(api.POST('/login', { body: { username, password } }));
  session.set({ token: token.access_token, username });
  // The name as stored (the person may have typed their e-mail).
  const verified = await unwrap(api.GET('/verify-token'));
  session.set({ token: token.access_token, username: verified.username });
}

/** Routes the SDK's types do not know yet: the same client, by path. */
type Loose = {
  [M in 'GET' | 'POST' | 'PUT' | 'DELETE']: (
    path: string,
    init?: { body?: unknown },
  ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const pending = api as unknown as Loose;

export async function logOut(): Promise<void> {
  try {
    // Revokes the token on the server where it can; the session ends here in any case.
    await pending.POST('/logout');
  } finally {
    session.set(null);
  }
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await unwrap(
    pending.PUT('/user/password', { body: { current_password: currentPassword, new_password: newPassword } }),
  );
}

export async function deleteAccount(password: string): Promise<void> {
  await unwrap(pending.DELETE('/user', { body: { password } }));
  session.set(null);
}

/** Storage used against the quota: GET /user where the API has it, else the root listing's `user`. */
export async function storageUsage(): Promise<DriveUser> {
  const answer = await pending.GET('/user');
  if (answer.response.ok) {
    const user = answer.data as Partial<DriveUser>;
    if (typeof user.total_storage_in_bytes === 'number') return user as DriveUser;
  } else if (answer.response.status !== 404 && answer.response.status !== 405) {
    throw ApiError.from(answer.response, answer.error);
  }
  const root = await unwrap(api.GET('/drive', { params: { query: { limit: 1 } } }));
  return root.user!;
}
