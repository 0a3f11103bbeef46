/** `login`, `logout`, `whoami`, `quota`: the session and the account. */
import { createInterface } from 'node:readline';
import { unwrap } from '@app/sdk';
import { normaliseUrl, type Context } from '../context';
import type { Io } from '../io';
import { EXIT, usageError } from '../errors';
import { formatBytes } from '../output';

/** Reads one line from stdin; on a terminal with `hidden`, without echoing it. */
async function ask(io: Io, question: string, hidden = false): Promise<string> {
  const terminal = !!io.stdin.isTTY && !!io.stderr.isTTY;
  const rl = createInterface({ input: io.stdin, output: terminal ? io.stderr : undefined, terminal });
  if (hidden && terminal) {
    // Echo nothing of what is typed after the question.
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
      if (text.startsWith(question)) io.stderr.write(question);
    };
  }
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      rl.question(question, resolve);
      rl.once('close', () => resolve(undefined));
    });
    if (hidden && terminal) io.stderr.write('\n');
    if (answer === undefined) throw usageError('No input: stdin ended.');
    return answer;
  } finally {
    rl.close();
  }
}

export interface LoginOptions {
  username?: string;
  passwordStdin?: boolean;
}

export async function login(ctx: Context, options: LoginOptions): Promise<number> {
  const url = ctx.baseUrl;
  const username = options.username ?? (await ask(ctx.io, 'Username or e-mail: '));
  const password = options.passwordStdin
    ? (await ask(ctx.io, '')).replace(/\r$/, '')
    : await ask(ctx.io, 'Password: ', true);
  if (!username || !password) throw usageError('A username and a password are needed.');
  const client = ctx.anonymousClient();
  const session = await unwrap(client.POST('/login', { body: { username, password } }));
  const token = session.access_token;
  const withToken = { headers: { Authorization: `Bearer ${token}` } };
  const verified = await unwrap(client.GET('/verify-token', withToken));
  ctx.sessions.write({ url: normaliseUrl(url), token, username: verified.username, expires_at: verified.expires_at });
  ctx.output.result(
    { url, username: verified.username, user_id: verified.user_id, expires_at: verified.expires_at },
    () => `Signed in to ${url} as ${verified.username} until ${verified.expires_at}.`,
  );
  return EXIT.ok;
}

export async function logout(ctx: Context, options: { everywhere?: boolean }): Promise<number> {
  const saved = ctx.session;
  if (!ctx.token) {
    ctx.sessions.clear();
    ctx.output.result({ signed_out: false }, () => 'Not signed in.');
    return EXIT.ok;
  }
  try {
    await unwrap(ctx.client().POST('/logout', { body: options.everywhere ? { everywhere: true } : {} }));
  } catch (error) {
    // A token already over ends the session as well as a logout would.
    if (!(error instanceof Error && 'status' in error && error.status === 401)) throw error;
  } finally {
    // The saved session ends with its token; a CLOUDDRIVE_TOKEN's logout leaves the file alone.
    if (saved && !ctx.env.token) ctx.sessions.clear();
  }
  ctx.output.result({ signed_out: true, everywhere: !!options.everywhere }, () =>
    options.everywhere ? 'Signed out everywhere.' : 'Signed out.',
  );
  return EXIT.ok;
}

export async function whoami(ctx: Context): Promise<number> {
  const verified = await unwrap(ctx.client().GET('/verify-token'));
  ctx.output.result(
    { url: ctx.baseUrl, username: verified.username, user_id: verified.user_id, expires_at: verified.expires_at },
    () => `${verified.username} on ${ctx.baseUrl} (token until ${verified.expires_at})`,
  );
  return EXIT.ok;
}

export async function quota(ctx: Context): Promise<number> {
  const account = await unwrap(ctx.client().GET('/user'));
  const used = account.used_storage_in_bytes;
  const total = account.total_storage_in_bytes;
  const document = {
    used_storage_in_bytes: used,
    available_storage_in_bytes: account.available_storage_in_bytes,
    total_storage_in_bytes: total,
  };
  ctx.output.result(document, () => {
    const share = total > 0 ? ` (${((used / total) * 100).toFixed(1)} %)` : '';
    return `${formatBytes(used)} of ${formatBytes(total)} used${share}, ${formatBytes(account.available_storage_in_bytes)} available`;
  });
  return EXIT.ok;
}
