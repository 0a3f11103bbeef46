/** The account: sign up, log in and out, the password, deleting the account, the storage figures. */
import type { Account } from '@app/sdk';
import { api, unwrap } from './client';
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

/** Ends this session: the server revokes this token only, and the session ends here in any case. */
export async function logOut(): Promise<void> {
  try {
    await api.POST('/logout');
  } finally {
    session.set(null);
  }
}

/**
 * Ends every session of the account, on every device. Unlike logOut, a failure is reported and this session kept:
 * the person must not believe their other devices were signed out when they were not.
 */
export async function logOutEverywhere(): Promise<void> {
  await unwrap(api.POST('/logout', { body: { everywhere: true } }));
  session.set(null);
}

/** The API answers a new token: every earlier one, this session's too, stops working. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  const token = await unwrap(
    api.PUT('/user/password', { body: { current_password: currentPassword, new_password: newPassword } }),
  );
  const current = session.get();
  session.set({ token: token.access_token, username: current?.username ?? '' });
}

export async function deleteAccount(password: string): Promise<void> {
  await unwrap(api.DELETE('/user', { body: { password } }));
  session.set(null);
}

/** The account with its storage figures: used against the quota. */
export function storageUsage(): Promise<Account> {
  return unwrap(api.GET('/user'));
}
