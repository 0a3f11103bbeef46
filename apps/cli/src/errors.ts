import { ApiError } from '@app/sdk';

/** The exit codes, documented in docs/CLI.md: a script branches on them. */
export const EXIT = {
  ok: 0,
  /** Anything not below: a bug, or a failure the CLI did not expect. */
  failure: 1,
  /** The command line itself is wrong (an unknown option, a missing argument, a bad value). */
  usage: 2,
  /** Not signed in, or the token is no longer good (401). */
  unauthorized: 3,
  /** Refused: the caller may see it but not change it, or a wrong internal secret (403). */
  forbidden: 4,
  /** What was named does not exist, or the caller may not see it (404). */
  notFound: 5,
  /** A name is taken, or the state forbids it (409, 412). */
  conflict: 6,
  /** Too large for one upload, or beyond the quota (413, 507). */
  tooLarge: 7,
  /** The API refused the request's values (400, 422 and other 4xx). */
  invalid: 8,
  /** The API or storage is unavailable or out of reach, after the retries (5xx, 429, network). */
  unavailable: 9,
  /** A transfer finished, but some of its files failed (each is reported). */
  partial: 10,
} as const;

/** A failure of the CLI itself (not of the API), with its exit code and a stable code like the API's. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(detail);
    this.name = 'CliError';
  }
}

export const usageError = (detail: string): CliError => new CliError('usage', detail, EXIT.usage);

/** A network failure: the request may never have reached the API. */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(`Could not reach ${new URL(url).origin}: ${describeCause(cause)}.`);
    this.name = 'NetworkError';
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  const code = (cause as { code?: string })?.code ?? inner?.code;
  const message = inner?.message ?? (cause as Error)?.message ?? String(cause);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

export function exitCodeOfStatus(status: number): number {
  if (status === 401) return EXIT.unauthorized;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  if (status === 413 || status === 507) return EXIT.tooLarge;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  if (status >= 400) return EXIT.invalid;
  return EXIT.failure;
}

/** Any failure as the problem shape the CLI prints: `{status?, code, detail, ...}`, and its exit code. */
export function describeError(error: unknown): { problem: Record<string, unknown>; exitCode: number } {
  if (error instanceof ApiError) {
    const problem = { ...error.problem, status: error.status, code: error.code, detail: error.detail };
    return { problem, exitCode: exitCodeOfStatus(error.status) };
  }
  if (error instanceof CliError)
    return { problem: { code: error.code, detail: error.detail }, exitCode: error.exitCode };
  if (error instanceof NetworkError) {
    return { problem: { code: 'network_error', detail: error.message }, exitCode: EXIT.unavailable };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { problem: { code: 'internal_error', detail }, exitCode: EXIT.failure };
}

/** Whether trying again may help: an outage, a rate limit, the network. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) return error.status === 429 || error.status === 408 || error.status >= 500;
  return false;
}
