/**
 * The CloudDrive SDK: the API's types, generated from the OpenAPI document (schema.ts, `npm run sdk`), and a
 * thin typed client over openapi-fetch. The web app and the Node journey test reach the API only through it.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Item = Schemas['ItemDto'];
export type Listing = Schemas['ListingDto'];
export type DriveUser = Schemas['DriveUserDto'];
export type Account = Schemas['AccountDto'];
export type PathEntry = Schemas['PathEntryDto'];
export type Upload = Schemas['UploadDto'];
export type RequestUpload = Schemas['RequestUploadDto'];
export type UploadResult = Schemas['UploadResultDto'];
export type TrashItem = Schemas['TrashItemDto'];
export type Share = Schemas['ShareDto'];
export type FileVersion = Schemas['FileVersionDto'];
export type FileVersions = Schemas['FileVersionsDto'];
export type SharedItem = Schemas['SharedItemDto'];
export type SearchHit = Schemas['SearchHitDto'];
export type SearchResults = Schemas['SearchResultsDto'];
export type Problem = Schemas['ProblemDto'];
export type Change = Schemas['ChangeDto'];
export type ChangesPage = Schemas['ChangesPageDto'];

export type CloudDriveClient = Client<paths>;

export interface CloudDriveOptions {
  /** The API's origin ('' or omitted in a browser served by the API: same origin). */
  baseUrl?: string;
  /** The bearer token to send, read on every request (null: none). */
  token?: () => string | null | undefined;
  /** Called on a 401 of a request that carried a token: the session is over. */
  onUnauthorized?: () => void;
  fetch?: typeof globalThis.fetch;
}

export function createCloudDriveClient(options: CloudDriveOptions = {}): CloudDriveClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: options.fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token?.();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ request, response }) {
      if (response.status === 401 && request.headers.has('Authorization')) options.onUnauthorized?.();
      return response;
    },
  };
  client.use(auth);
  return client;
}

/** An API error: its HTTP status, its stable `code`, and `detail`, the sentence to show a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly problem: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** Builds the error from a response and its body's text: a problem when it is JSON (S3 answers in XML). */
  static fromText(response: Pick<Response, 'status' | 'statusText'>, text: string): ApiError {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // XML or plain text: the status says enough.
    }
    return ApiError.from(response, body);
  }

  /** Builds the error from a response and its body (problem+json, or anything else a proxy may send). */
  static from(response: Pick<Response, 'status' | 'statusText'>, body: unknown): ApiError {
    const problem = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const detail =
      typeof problem.detail === 'string'
        ? problem.detail
        : typeof problem.title === 'string'
          ? problem.title
          : `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.');
    return new ApiError(response.status, typeof problem.code === 'string' ? problem.code : 'unknown', detail, problem);
  }
}

/** Awaits an SDK call: its data on success, an ApiError otherwise. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.from(response, error);
  return data as T;
}

/** The headers to send with a presigned upload, less Content-Length: the runtime sets it from the body. */
export function signedHeaders(upload: Upload): Record<string, string> {
  return Object.fromEntries(Object.entries(upload.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
}

/**
 * Sends bytes to a presigned upload (straight to storage: the API never carries them). The signature covers
 * the headers it lists, and the exact length. In a browser with progress, the web app uses XMLHttpRequest.
 */
export async function putUpload(
  upload: Upload,
  body: Blob | Uint8Array | ArrayBuffer,
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
): Promise<void> {
  const response = await fetchImpl(upload.url, {
    method: upload.method,
    headers: signedHeaders(upload),
    body: body as NonNullable<RequestInit['body']>,
  });
  if (!response.ok) throw ApiError.fromText(response, await response.text());
}

/** One Server-Sent Event: its `id` (a change's cursor), its name (`change`, `cursor_expired`) and its data. */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * The events of a `text/event-stream` body (GET /events read with fetch, where EventSource is not at hand: Node,
 * or a browser that must send a header), as they arrive, parsed as the HTML standard says: fields up to a blank
 * line, `data` lines joined, comments (heartbeats) skipped. Ends when the stream does.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = '';
  let event: ServerSentEvent = { id: undefined, event: 'message', data: '' };
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split(/\r\n|\r|\n/);
      // The last piece may be a line still arriving.
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { ...event, data: data.join('\n') };
          event = { id: event.id, event: 'message', data: '' };
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event.event = value;
        else if (field === 'id' && !value.includes('\0')) event.id = value;
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
