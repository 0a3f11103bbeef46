/**
 * Files over HTTP, as a client uses them: ask the API for an upload, send the bytes straight to the presigned
 * URL with plain `fetch` (no SDK), wait until the file is listed, download it through its presigned GET.
 * Shared by the end-to-end suites of the local store and of S3.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { crc32, deflateSync } from 'node:zlib';
import { Response as TestResponse } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Account } from './test-app';
import { expectProblem, expectStatus } from './expectations';

export { expectProblem, expectStatus };

/** An item as the API shows it. */
export interface Item {
  id: string;
  kind: 'file' | 'folder';
  name: string;
  size_in_bytes: number | null;
  type: string | null;
  content_type: string | null;
  created_at: string;
  last_interaction: string;
  parent_folder_id: string | null;
  preview_ready: boolean;
  preview_status: string;
  duration_ms: number | null;
  media_width: number | null;
  media_height: number | null;
  owner: { id: string; username: string };
  permission: string;
}

export interface Upload {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

export interface FileUpload {
  file: Item;
  upload: Upload;
}

/** The storage figures of GET /drive's `user`. */
export interface StorageFigures {
  username: string;
  email: string;
  used_storage_in_bytes: number;
  available_storage_in_bytes: number;
  total_storage_in_bytes: number;
}

export interface UploadRequest {
  file_name?: unknown;
  file_size_in_bytes?: unknown;
  parent_folder_id?: unknown;
  content_type?: unknown;
  file_conflict?: unknown;
  [field: string]: unknown;
}

export interface Downloaded {
  status: number;
  headers: Headers;
  body: Buffer;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** How long a test waits for the worker to confirm an upload before it gives up. */
export const CONFIRMATION_WAIT_MS = 10_000;

/** How long a test waits for the worker to make a preview or settle a profile photo before it gives up. */
export const PREVIEW_WAIT_MS = 20_000;

/** A 422 that names `field`, and only `field`, in `errors`. */
export function expectValidationError(res: TestResponse, field: string): void {
  expectProblem(res, 422, 'validation_failed');
  expect(res.body.errors.length).toBeGreaterThan(0);
  for (const error of res.body.errors) expect(error).toEqual({ field, message: expect.stringMatching(/\S/) });
}

/** A real, minimal PNG: 1×1, 8-bit RGBA, one red pixel, with correct CRCs and zlib data. */
export function pngImage(): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    // One scanline: filter 0, then R G B A.
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0, 255]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Sends `body` to a presigned PUT with the given headers (by default, exactly the ones it came with). */
export function put(upload: Upload, body: Buffer, headers: Record<string, string> = upload.headers): Promise<Response> {
  return fetch(upload.url, { method: upload.method, headers, body });
}

/** Sends the bytes, which storage must accept. */
export async function sendBytes(upload: Upload, body: Buffer): Promise<void> {
  const res = await put(upload, body);
  const text = await res.text();
  expect(res.ok ? 'ok' : `${res.status} ${text}`).toBe('ok');
}

/**
 * GETs a presigned download URL, as a browser would, on a connection of its own that closes after the answer.
 * (The client has every byte of a streamed body a moment before the server has finished its response; a
 * keep-alive connection it then leaves idle after the app began to close holds the close up for the whole
 * keep-alive timeout, 72 s in Fastify.)
 */
export function download(url: string): Promise<Downloaded> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
            headers.append(name, one);
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks) });
      });
    });
    request.on('error', reject);
  });
}

/** The Content-Disposition every download carries: `attachment`, an ASCII fallback and the exact UTF-8 name. */
export function expectAttachmentOf(headers: Headers, name: string): void {
  const disposition = headers.get('content-disposition') ?? '';
  expect(disposition).toMatch(/^attachment;/);
  expect(disposition).toContain(`filename*=UTF-8''${rfc5987(name)}`);
  const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition)![1];
  expect(decodeURIComponent(encoded)).toBe(name);
}

function rfc5987(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it answers something other than undefined, for at most `timeoutMs` (a bound on the
 * wait, not an assertion on time); fails naming `what` if it never does.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = CONFIRMATION_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Gave up waiting after ${timeoutMs} ms: ${what}`);
    await pause(50);
  }
}

/** One user's files and folders, driven over HTTP. */
export class FileDrive {
  constructor(
    private readonly http: TestAgent,
    readonly account: Account,
  ) {}

  get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.account.token}` };
  }

  /** GET /image-preview/{id}. */
  preview(fileId: string): Promise<TestResponse> {
    return this.http.get(`/image-preview/${fileId}`).set(this.auth);
  }

  /**
   * Polls GET /image-preview/{id} until it answers something other than 202 (the preview is made, or will
   * never be): that answer.
   */
  waitForPreview(fileId: string, timeoutMs = PREVIEW_WAIT_MS): Promise<TestResponse> {
    return eventually(
      `preview of ${fileId} settled`,
      async () => {
        const res = await this.preview(fileId);
        if (res.status !== 202) return res;
        // Meanwhile, every answer is a well-formed "come back later".
        expect(res.body).toEqual({ status: 'pending' });
        expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        return undefined;
      },
      timeoutMs,
    );
  }

  /** POST /file with exactly this body. */
  requestUpload(body: UploadRequest | unknown): Promise<TestResponse> {
    return this.http
      .post('/file')
      .set(this.auth)
      .send(body as object);
  }

  /** POST /file for `bytes` (its exact size), which must be accepted: the pending file and its upload. */
  async startUpload(name: string, bytes: Buffer | number, extra: UploadRequest = {}): Promise<FileUpload> {
    const size = typeof bytes === 'number' ? bytes : bytes.length;
    const res = await this.requestUpload({ file_name: name, file_size_in_bytes: size, ...extra });
    expectStatus(res, 201);
    return res.body;
  }

  /** POST /files with exactly these items. */
  requestUploads(files: unknown): Promise<TestResponse> {
    return this.http.post('/files').set(this.auth).send({ files });
  }

  /** The whole path: request, send the bytes, wait until the worker confirmed it and it is listed. */
  async upload(name: string, bytes: Buffer, extra: UploadRequest = {}): Promise<Item> {
    const { file, upload } = await this.startUpload(name, bytes, extra);
    await sendBytes(upload, bytes);
    return this.waitForFile(file.id, (item) => item.size_in_bytes === bytes.length, file.parent_folder_id);
  }

  /** GET /file/{id}. */
  get(fileId: string): Promise<TestResponse> {
    return this.http.get(`/file/${fileId}`).set(this.auth);
  }

  /** The file's bytes, through a fresh presigned download. */
  async bytesOf(fileId: string): Promise<Buffer> {
    const res = await this.get(fileId);
    expectStatus(res, 200);
    const got = await download(res.body.url);
    expect(got.status).toBe(200);
    return got.body;
  }

  patch(fileId: string, body: unknown): Promise<TestResponse> {
    return this.http
      .patch(`/file/${fileId}`)
      .set(this.auth)
      .send(body as object);
  }

  remove(fileId: string): Promise<TestResponse> {
    return this.http.delete(`/file/${fileId}`).set(this.auth);
  }

  /** Creates a folder, which must succeed. */
  async folder(name: string, parentId: string | null = null): Promise<Item> {
    const res = await this.http.post('/drive').set(this.auth).send({ folder_name: name, parent_folder_id: parentId });
    expectStatus(res, 201);
    return res.body;
  }

  /** All the items of a folder (null: the root), in one page. */
  async items(folderId: string | null = null): Promise<Item[]> {
    const res = await this.http
      .get(folderId === null ? '/drive' : `/drive/${folderId}`)
      .set(this.auth)
      .query({ limit: 1000 });
    expectStatus(res, 200);
    return res.body.files_and_folders;
  }

  /** The listed item with this id, if any. */
  async listed(fileId: string, folderId: string | null = null): Promise<Item | undefined> {
    return (await this.items(folderId)).find((item) => item.id === fileId);
  }

  /** The root's storage figures. */
  async figures(): Promise<StorageFigures> {
    const res = await this.http.get('/drive').set(this.auth).query({ limit: 1 });
    expectStatus(res, 200);
    return res.body.user;
  }

  /** Waits until the file is listed (and `ready` holds of it): the worker has confirmed its bytes. */
  waitForFile(fileId: string, ready: (item: Item) => boolean = () => true, folderId: string | null = null) {
    return eventually(`file ${fileId} listed`, async () => {
      const item = await this.listed(fileId, folderId);
      return item && ready(item) ? item : undefined;
    });
  }

  /** Waits until every one of the files is listed in the folder. */
  waitForFiles(fileIds: string[], folderId: string | null = null, timeoutMs = CONFIRMATION_WAIT_MS): Promise<Item[]> {
    return eventually(
      `${fileIds.length} files listed`,
      async () => {
        const byId = new Map((await this.items(folderId)).map((item) => [item.id, item]));
        return fileIds.every((id) => byId.has(id)) ? fileIds.map((id) => byId.get(id)!) : undefined;
      },
      timeoutMs,
    );
  }
}

/** A user's profile photo, driven over HTTP. */
export class ProfilePhoto {
  constructor(
    private readonly http: TestAgent,
    readonly account: Account,
  ) {}

  get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.account.token}` };
  }

  /** POST /profile-photo with exactly this body (and query string). */
  requestUpload(body: unknown, query: Record<string, unknown> = {}): Promise<TestResponse> {
    return this.http
      .post('/profile-photo')
      .query(query)
      .set(this.auth)
      .send(body as object);
  }

  /** Asks for an upload of `bytes` (its exact size), which must be granted, and sends them: the upload used. */
  async upload(bytes: Buffer, contentType?: string): Promise<Upload> {
    const res = await this.requestUpload({
      photo_size_in_bytes: bytes.length,
      ...(contentType === undefined ? {} : { content_type: contentType }),
    });
    expectStatus(res, 200);
    await sendBytes(res.body.upload, bytes);
    return res.body.upload;
  }

  /** GET /profile-photo. */
  get(): Promise<TestResponse> {
    return this.http.get('/profile-photo').set(this.auth);
  }

  /** DELETE /profile-photo. */
  remove(): Promise<TestResponse> {
    return this.http.delete('/profile-photo').set(this.auth);
  }

  /**
   * Polls GET /profile-photo until the latest upload is no longer `processing` (200 with `status`, or 404 with
   * `photo_status`): that answer.
   */
  waitUntilSettled(timeoutMs = PREVIEW_WAIT_MS): Promise<TestResponse> {
    return eventually(
      'profile photo settled',
      async () => {
        const res = await this.get();
        const upload: unknown = res.status === 200 ? res.body.status : res.body.photo_status;
        return upload === 'processing' ? undefined : res;
      },
      timeoutMs,
    );
  }
}
