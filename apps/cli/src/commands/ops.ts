/**
 * `clouddrive ops`: the internal endpoints operators' scripts call (with LAMBDA_SECRET in X-Lambda-Secret), and
 * the health checks. The API validates the bodies: its 422s and 403s come back as they are, with their codes.
 */
import { ApiError } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT, NetworkError } from '../errors';
import { RETRY, retryingFetch, type RetryPolicy } from '../http';

/** One try: a health check reports what it finds now. */
const ONCE: RetryPolicy = { ...RETRY, attempts: 1 };

async function call(
  ctx: Context,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  policy: RetryPolicy = RETRY,
) {
  const url = ctx.baseUrl + path;
  const response = await retryingFetch(policy)(url, {
    method,
    headers: { Accept: 'application/json', ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { response, text: await response.text() };
}

/** A body that should be JSON; anything else (a proxy's page) as undefined. */
function parsed(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function secret(ctx: Context): Record<string, string> {
  if (!ctx.env.lambdaSecret) {
    throw new CliError('no_lambda_secret', 'Set LAMBDA_SECRET to the internal secret.', EXIT.usage);
  }
  return { 'X-Lambda-Secret': ctx.env.lambdaSecret };
}

/** POSTs an internal callback; the API's answer is the result, its problem the error. */
async function internal(ctx: Context, path: string, body: Record<string, unknown>): Promise<number> {
  const { response, text } = await call(ctx, 'POST', path, secret(ctx), body);
  if (!response.ok) throw ApiError.fromText(response, text);
  const answer = parsed(text) ?? {};
  ctx.output.result(answer, () =>
    Object.entries(answer)
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join('\n'),
  );
  return EXIT.ok;
}

/** A number as given, or the string itself, so that the API (not the CLI) says what is wrong with it. */
const asNumber = (value: string | undefined): number | string | undefined =>
  value === undefined ? undefined : /^-?\d+$/.test(value) ? Number(value) : value;

const defined = (body: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));

export function confirmUpload(
  ctx: Context,
  fileId: string,
  options: { size: string; contentType: string; objectKey?: string },
): Promise<number> {
  return internal(
    ctx,
    '/confirm-file-upload',
    defined({
      file_id: fileId,
      size_in_bytes: asNumber(options.size),
      content_type: options.contentType,
      object_key: options.objectKey,
    }),
  );
}

export function confirmPreview(
  ctx: Context,
  fileId: string,
  options: { status: string; width?: string; height?: string; objectKey?: string },
): Promise<number> {
  return internal(
    ctx,
    '/confirm-file-preview',
    defined({
      file_id: fileId,
      status: options.status,
      width: asNumber(options.width),
      height: asNumber(options.height),
      object_key: options.objectKey,
    }),
  );
}

export function confirmProfilePhoto(
  ctx: Context,
  userId: string,
  options: { status: string; extension?: string },
): Promise<number> {
  return internal(
    ctx,
    '/confirm-profile-picture',
    defined({ user_id: userId, status: options.status, extension: options.extension }),
  );
}

/** GET /health and GET /health/ready: exit 0 when ready, 9 when the API or a dependency is not. */
export async function health(ctx: Context): Promise<number> {
  let live: Record<string, unknown> | undefined;
  let ready: Record<string, unknown> | undefined;
  let readyStatus = 0;
  try {
    live = parsed((await call(ctx, 'GET', '/health', {}, undefined, ONCE)).text);
    const answer = await call(ctx, 'GET', '/health/ready', {}, undefined, ONCE);
    ready = parsed(answer.text);
    readyStatus = answer.response.status;
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    ctx.output.result({ url: ctx.baseUrl, live: false, ready: false, detail: error.message }, () => error.message);
    return EXIT.unavailable;
  }
  const isReady = readyStatus === 200;
  const checks = (ready?.checks ?? {}) as Record<string, string>;
  ctx.output.result(
    { url: ctx.baseUrl, live: live?.status === 'healthy', ready: isReady, checks },
    () =>
      `${ctx.baseUrl}: ${isReady ? 'ready' : 'not ready'}` +
      Object.entries(checks)
        .map(([name, state]) => `\n  ${name}: ${state}`)
        .join(''),
  );
  return isReady ? EXIT.ok : EXIT.unavailable;
}
