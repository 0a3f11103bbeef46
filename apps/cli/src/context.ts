/**
 * What every command starts from: the global options, the environment, the saved session, and an SDK client
 * that retries transient failures and sends the token.
 */
import { relative, resolve } from 'node:path';
import { readCliEnvironment, type CliEnvironment } from '@app/config/cli';
import { createCloudDriveClient, type CloudDriveClient } from '@app/sdk';
import { CliError, EXIT } from './errors';
import { retryingFetch } from './http';
import type { Io } from './io';
import { Output } from './output';
import { SessionStore, type SavedSession } from './session-store';

export interface GlobalOptions {
  url?: string;
  json?: boolean;
  quiet?: boolean;
}

export class Context {
  readonly env: CliEnvironment;
  readonly sessions: SessionStore;
  readonly output: Output;
  private readonly saved: SavedSession | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly io: Io,
  ) {
    this.env = readCliEnvironment(io.env);
    this.sessions = new SessionStore(this.env.configDir);
    this.saved = this.sessions.read();
    const outputOptions = { json: !!options.json, quiet: !!options.quiet, noColor: this.env.noColor };
    this.output = new Output(outputOptions, io.stdout, io.stderr);
  }

  /** A local path as given, from the run's working directory. */
  local(path: string): string {
    return resolve(this.io.cwd, path);
  }

  /** A local path as the events show it: relative to the working directory when below it. */
  shown(path: string): string {
    const relativePath = relative(this.io.cwd, path);
    return relativePath && !relativePath.startsWith('..') ? relativePath : path;
  }

  /** The API's origin: --url, else CLOUDDRIVE_URL, else the saved session's. */
  get baseUrl(): string {
    const url = this.options.url ?? this.env.url ?? this.saved?.url;
    if (!url) {
      throw new CliError(
        'no_api_url',
        'No API URL: pass --url, set CLOUDDRIVE_URL, or run `clouddrive login --url <url>`.',
        EXIT.usage,
      );
    }
    return normaliseUrl(url);
  }

  /** The token to send: CLOUDDRIVE_TOKEN, else the saved one (when it was saved for this URL). */
  get token(): string | undefined {
    if (this.env.token) return this.env.token;
    if (this.saved && normaliseUrl(this.saved.url) === this.baseUrl) return this.saved.token;
    return undefined;
  }

  get session(): SavedSession | undefined {
    return this.saved;
  }

  /** A client without a token (login, health). */
  anonymousClient(): CloudDriveClient {
    return createCloudDriveClient({ baseUrl: this.baseUrl, fetch: retryingFetch() });
  }

  /** A client with the token; not signed in is exit code 3 before any request. */
  client(): CloudDriveClient {
    const token = this.token;
    if (!token) {
      throw new CliError(
        'not_signed_in',
        'Not signed in: run `clouddrive login`, or set CLOUDDRIVE_TOKEN.',
        EXIT.unauthorized,
      );
    }
    return createCloudDriveClient({ baseUrl: this.baseUrl, token: () => token, fetch: retryingFetch() });
  }
}

export function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('invalid_url', `Not a URL: ${url}`, EXIT.usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError('invalid_url', `Not an http(s) URL: ${url}`, EXIT.usage);
  }
  return parsed.href.replace(/\/+$/, '');
}
