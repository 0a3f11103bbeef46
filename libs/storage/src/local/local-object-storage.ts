import { createHash, createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream, Dirent } from 'node:fs';
import {
  access,
  constants,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, objectCreatedRecord, S3EventRecord } from '@app/contracts';
import { contentDisposition } from '../content-disposition';
import {
  ByteRange,
  DownloadTarget,
  ObjectHead,
  ObjectPin,
  ObjectPage,
  ObjectStorage,
  PresignedRequest,
  UploadTarget,
} from '../object-storage';
import { assertDownloadTarget, assertRange, assertUploadTarget, uploadHeaders } from '../targets';

/** The bucket name in the local store's announcements. */
export const LOCAL_BUCKET = 'local';
/** The path under which the API serves the local store. */
export const LOCAL_STORAGE_PATH = '/storage/';

const HKDF_INFO = 'clouddrive local storage';
const SIGNATURE_VERSION = 'clouddrive-local-v1';
const TEMP_DIR = '.tmp';
const META_SUFFIX = '.meta.json';
const MAX_KEY_BYTES = 1024;
/** A file name is at most 255 bytes on every common filesystem; the sidecar adds its suffix. */
const MAX_SEGMENT_BYTES = 255 - META_SUFFIX.length;
const LIST_MAX = 1000;

export interface LocalObjectStorageOptions {
  /** Where the objects live (DATA_DIR/objects). */
  dir: string;
  /** The API's address as clients reach it: presigned URLs are `${publicUrl}/storage/<key>?…`. */
  publicUrl: string;
  /** The secret the URL-signing key is derived from (HKDF-SHA256). */
  secret: string;
  /** Told when an announcement's listener fails; the store carries on. */
  onListenerError?: (error: unknown, record: S3EventRecord) => void;
  /** The clock in milliseconds (tests). */
  now?: () => number;
}

export type UploadRefusal =
  | 'upload_url_invalid'
  | 'upload_url_expired'
  | 'upload_length_required'
  | 'upload_size_mismatch'
  | 'upload_content_type_mismatch'
  | 'upload_already_received';

export type DownloadRefusal = 'download_url_invalid' | 'download_url_expired';

/** A verification's answer: what the URL allows, or why the request is refused (a stable error code). */
export type Verdict<T, Code extends string> = { ok: true; value: T } | { ok: false; code: Code; detail: string };

export interface AllowedUpload {
  key: string;
  sizeBytes: number;
  contentType: string;
  /** Whether the URL may replace an object at the key; otherwise it writes once. */
  overwrite: boolean;
}

export interface AllowedDownload {
  key: string;
  contentDisposition: string;
  /** The Content-Type to answer with, when the URL names one. */
  contentType: string | undefined;
  /** The ETag the object must have, when the URL pins one. */
  etag: string | undefined;
  /** The Cache-Control to answer with, when the URL names one. */
  cacheControl: string | undefined;
}

/** An object opened for reading: its head and a way to stream it (or a range of it). */
export interface OpenedObject {
  head: ObjectHead;
  etag: string | undefined;
  /** Streams the bytes (closing the file at the end); call it at most once, or call close(). */
  stream(range?: ByteRange): Readable;
  close(): Promise<void>;
}

/** An object just stored, with its ETag (the MD5 of its bytes, as S3 gives for a single PUT). */
export interface StoredObject extends ObjectHead {
  etag: string;
}

export type ObjectCreatedListener = (record: S3EventRecord) => void | Promise<void>;

export type QueryValues = Record<string, unknown>;
export type HeaderValues = Record<string, string | string[] | undefined>;

interface Sidecar {
  contentType?: string;
  etag?: string;
}

/** A key the local store cannot map to a path safely. */
export class InvalidObjectKeyError extends Error {
  constructor(key: string, reason: string) {
    super(`Invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

/**
 * The storage port on the local disk, for the embedded mode: objects are files under `dir`, each key's
 * segments a directory path (`files/{owner}/{file}` is `dir/files/{owner}/{file}`), with a sidecar
 * `<file>.meta.json` holding its content type and ETag. Uploads land in `dir/.tmp` and are renamed into
 * place only once complete, so a half upload never appears. Because keys are paths, a key cannot also be
 * the "folder" of another key (`a` and `a/b`); the object key layout never does that.
 *
 * Presigned URLs point at the API itself (`/storage/<key>`), HMAC-signed like S3's: the signature covers
 * the method, the key, the exact size and type (uploads) or the disposition and type (downloads), and the
 * expiry. The API's routes call `verifyUpload`/`receive` and `verifyDownload`/`open`.
 *
 * Every new object is announced to `onObjectCreated` listeners as an S3 event record (bucket `local`).
 */
export class LocalObjectStorage extends ObjectStorage {
  readonly dir: string;
  private readonly tempDir: string;
  private readonly publicUrl: string;
  private readonly signingKey: Buffer;
  private readonly now: () => number;
  private readonly onListenerError: (error: unknown, record: S3EventRecord) => void;
  private readonly listeners = new Set<ObjectCreatedListener>();

  constructor(options: LocalObjectStorageOptions) {
    super();
    this.dir = resolve(options.dir);
    this.tempDir = join(this.dir, TEMP_DIR);
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.signingKey = Buffer.from(hkdfSync('sha256', options.secret, '', HKDF_INFO, 32));
    this.now = options.now ?? Date.now;
    this.onListenerError =
      options.onListenerError ??
      ((error, record) => console.error(`A listener failed on ${record.s3.object.key}:`, error));
  }

  // ---- announcements

  /** Calls `listener` with an S3 event record for every new object, once it is in place. Returns an unsubscribe. */
  onObjectCreated(listener: ObjectCreatedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(key: string, size: number, etag: string): void {
    const record = objectCreatedRecord(LOCAL_BUCKET, key, size, { eTag: etag });
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(record);
        if (typeof (result as PromiseLike<void> | undefined)?.then === 'function') {
          Promise.resolve(result).catch((error: unknown) => this.onListenerError(error, record));
        }
      } catch (error) {
        this.onListenerError(error, record);
      }
    }
  }

  // ---- presigning and verification

  async presignUpload(target: UploadTarget): Promise<PresignedRequest> {
    assertUploadTarget(target);
    this.pathOf(target.key);
    const expires = this.expiryFor(target.expiresInSeconds);
    const overwrite = target.overwrite === true;
    const fields = uploadFields(target.key, target.sizeBytes, target.contentType, expires, overwrite);
    const query = new URLSearchParams({
      expires: String(expires),
      size: String(target.sizeBytes),
      type: target.contentType,
      ...(overwrite ? { overwrite: '1' } : {}),
      sig: this.sign(fields),
    });
    return {
      method: 'PUT',
      url: `${this.urlOf(target.key)}?${query}`,
      headers: uploadHeaders(target),
      expiresAt: new Date(expires * 1000),
    };
  }

  async presignDownload(target: DownloadTarget): Promise<PresignedRequest> {
    assertDownloadTarget(target);
    this.pathOf(target.key);
    const expires = this.expiryFor(target.expiresInSeconds, target.signedAt);
    const disposition = contentDisposition(target.fileName);
    const query = new URLSearchParams({ expires: String(expires), disposition });
    if (target.contentType !== undefined) query.set('type', target.contentType);
    if (target.etag !== undefined) query.set('etag', target.etag);
    if (target.cacheControl !== undefined) query.set('cache', target.cacheControl);
    const fields = downloadFields(
      target.key,
      disposition,
      target.contentType,
      target.etag,
      expires,
      target.cacheControl,
    );
    query.set('sig', this.sign(fields));
    return {
      method: 'GET',
      url: `${this.urlOf(target.key)}?${query}`,
      headers: {},
      expiresAt: new Date(expires * 1000),
    };
  }

  /**
   * Whether a PUT may store its body under `key`: a genuine, unexpired URL for this key, and the headers it
   * signs (the exact Content-Length and Content-Type). Judged from the URL and headers alone, before any byte;
   * whether a write-once URL's key is still free is `receive`'s to say (and `exists`', earlier).
   */
  verifyUpload(key: string, query: QueryValues, headers: HeaderValues): Verdict<AllowedUpload, UploadRefusal> {
    const expires = integerParam(query.expires);
    const size = integerParam(query.size);
    const type = query.type;
    const overwrite = query.overwrite === '1';
    if (
      !validKey(key) ||
      expires === undefined ||
      size === undefined ||
      typeof type !== 'string' ||
      !this.signatureMatches(query.sig, uploadFields(key, size, type, expires, overwrite))
    ) {
      return refuse('upload_url_invalid', 'This upload URL is not valid: ask the API for a new one.');
    }
    if (this.now() > expires * 1000) {
      return refuse('upload_url_expired', 'This upload URL has expired: ask the API for a new one.');
    }
    const length = headers['content-length'];
    if (typeof length !== 'string' || !/^\d+$/.test(length.trim())) {
      return refuse(
        'upload_length_required',
        `Send the file with a Content-Length header of ${size}, as the upload's headers say.`,
      );
    }
    if (Number(length) !== size) {
      return refuse(
        'upload_size_mismatch',
        `This upload URL is for exactly ${size} bytes, and the request has ${Number(length)}.`,
      );
    }
    const sent = headers['content-type'];
    if (typeof sent !== 'string' || sent.trim() !== type) {
      return refuse(
        'upload_content_type_mismatch',
        `This upload URL is for Content-Type ${type}: send exactly that header, as the upload's headers say.`,
      );
    }
    return { ok: true, value: { key, sizeBytes: size, contentType: type, overwrite } };
  }

  /** Whether a GET may read `key`: a genuine, unexpired URL for this key. */
  verifyDownload(key: string, query: QueryValues): Verdict<AllowedDownload, DownloadRefusal> {
    const expires = integerParam(query.expires);
    const disposition = query.disposition;
    const type = query.type;
    const etag = query.etag;
    const cache = query.cache;
    if (
      !validKey(key) ||
      expires === undefined ||
      typeof disposition !== 'string' ||
      (type !== undefined && typeof type !== 'string') ||
      (etag !== undefined && typeof etag !== 'string') ||
      (cache !== undefined && typeof cache !== 'string') ||
      !this.signatureMatches(query.sig, downloadFields(key, disposition, type, etag, expires, cache))
    ) {
      return refuse('download_url_invalid', 'This download URL is not valid: ask the API for a new one.');
    }
    if (this.now() > expires * 1000) {
      return refuse('download_url_expired', 'This download URL has expired: ask the API for a new one.');
    }
    return { ok: true, value: { key, contentDisposition: disposition, contentType: type, etag, cacheControl: cache } };
  }

  // ---- bytes in

  /** Whether an object is at `key` now. */
  async exists(key: string): Promise<boolean> {
    return (await stat(this.pathOf(key)).catch(() => undefined))?.isFile() === true;
  }

  /**
   * Stores an upload's body: streamed to a temporary file beside the objects, counted, and moved into
   * place only when exactly `expectedSize` bytes arrived. Anything else (fewer, more, a broken connection)
   * leaves nothing behind; a wrong count is an AppError `upload_size_mismatch`. Unless `overwrite`, the key
   * is written once: an object already there (or placed meanwhile by a racing upload) is an AppError
   * `upload_already_received`, and the body is dropped. Announces the object.
   */
  async receive(
    key: string,
    body: Readable,
    expectedSize: number,
    contentType: string,
    { overwrite = false }: { overwrite?: boolean } = {},
  ): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(this.tempDir, { recursive: true });
    const temp = join(this.tempDir, `${randomUUID()}.part`);
    const hash = createHash('md5');
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > expectedSize) {
          done(sizeMismatch(expectedSize, 'more than that'));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const file = createWriteStream(temp, { flags: 'wx' });
    let etag: string;
    try {
      await pipeline(body, counter, file);
      if (received !== expectedSize) throw sizeMismatch(expectedSize, String(received));
      etag = hash.digest('hex');
      await this.place(temp, path, { contentType, etag }, overwrite);
    } catch (error) {
      // A file still being opened would appear after the removal: wait until it is closed.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      await rm(temp, { force: true });
      throw error;
    }
    const placed = await stat(path);
    this.announce(key, received, etag);
    return { key, sizeBytes: received, contentType, lastModified: new Date(placed.mtimeMs), etag };
  }

  async write(key: string, body: Buffer, contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(this.tempDir, { recursive: true });
    const temp = join(this.tempDir, `${randomUUID()}.part`);
    const etag = createHash('md5').update(body).digest('hex');
    try {
      await writeFile(temp, body, { flag: 'wx' });
      await this.place(temp, path, { contentType, etag });
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    this.announce(key, body.length, etag);
  }

  /**
   * A hard link to the source's file, with a sidecar of its own: no byte is copied, and the two stay independent,
   * because the store never changes a file in place (a write or an overwrite is a new file renamed into place, a
   * delete an unlink). Refused, like a write-once upload, when `toKey` has an object. Announces nothing.
   */
  async copy(fromKey: string, toKey: string, pin?: ObjectPin): Promise<ObjectHead | null> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    const source = await this.open(fromKey);
    if (!source) return null;
    await source.close();
    if (pin?.etag !== undefined && source.etag !== pin.etag) return null;
    await mkdir(this.tempDir, { recursive: true });
    const temp = join(this.tempDir, `${randomUUID()}.part`);
    try {
      await link(from, temp);
    } catch (error) {
      // Deleted since it was opened.
      if (hasCode(error, 'ENOENT')) return null;
      throw error;
    }
    try {
      // The link shares the source's times: made fresh, the copy is young to the reconciler (which removes old
      // objects no row points at) while its row is being written.
      const now = new Date(this.now());
      await utimes(temp, now, now);
      await this.place(temp, to, { contentType: source.head.contentType, etag: source.etag }, false);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return this.head(toKey);
  }

  /**
   * Moves a complete temporary file into place: the sidecar first, then the bytes (one atomic rename each). Not
   * overwriting, the bytes are linked in first (link never replaces a file: of two racing uploads, one wins and
   * the other is refused), then their sidecar.
   */
  private async place(temp: string, path: string, sidecar: Sidecar, overwrite = true): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      if (hasCode(error, 'EEXIST', 'ENOTDIR')) {
        throw new Error(`Cannot store ${path}: one of its parent directories is an object`);
      }
      throw error;
    }
    if ((await stat(path).catch(() => undefined))?.isDirectory()) {
      throw new Error(`Cannot store ${path}: it is the parent directory of other objects`);
    }
    if (!overwrite) {
      try {
        await link(temp, path);
      } catch (error) {
        if (hasCode(error, 'EEXIST')) throw alreadyReceived();
        throw error;
      }
      await rm(temp, { force: true });
    }
    const tempMeta = `${temp}${META_SUFFIX}`;
    try {
      await writeFile(tempMeta, JSON.stringify(sidecar), { flag: 'wx' });
      await rename(tempMeta, `${path}${META_SUFFIX}`);
    } finally {
      await rm(tempMeta, { force: true });
    }
    if (overwrite) await rename(temp, path);
  }

  // ---- bytes out

  async head(key: string): Promise<ObjectHead | null> {
    const opened = await this.open(key);
    if (!opened) return null;
    await opened.close();
    return opened.head;
  }

  async read(key: string, range?: ByteRange): Promise<Buffer | null> {
    if (range) assertRange(range);
    const opened = await this.open(key);
    if (!opened) return null;
    const size = opened.head.sizeBytes;
    const start = Math.min(range?.start ?? 0, size);
    const end = Math.min(range?.end ?? size - 1, size - 1);
    const chunks: Buffer[] = [];
    if (end < start) {
      await opened.close();
      return Buffer.alloc(0);
    }
    for await (const chunk of opened.stream({ start, end })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async stream(key: string, pin?: ObjectPin, range?: ByteRange): Promise<Readable | null> {
    if (range) assertRange(range);
    const opened = await this.open(key);
    if (opened && pin?.etag !== undefined && opened.etag !== pin.etag) {
      await opened.close();
      return null;
    }
    return opened ? opened.stream(range) : null;
  }

  /**
   * Opens the object for reading, or answers null when there is none. The file stays open until streamed
   * or closed, so a concurrent delete or overwrite cannot change what is being read.
   */
  async open(key: string): Promise<OpenedObject | null> {
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return null;
      }
      const sidecar = await readSidecar(path);
      const file = handle;
      return {
        head: {
          key,
          sizeBytes: stats.size,
          contentType: sidecar.contentType,
          lastModified: new Date(stats.mtimeMs),
          etag: sidecar.etag,
        },
        etag: sidecar.etag,
        stream: (range) => file.createReadStream({ start: range?.start, end: range?.end, autoClose: true }),
        close: () => file.close(),
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  // ---- housekeeping

  async delete(keys: string[]): Promise<void> {
    const paths = keys.map((key) => this.pathOf(key));
    for (const path of new Set(paths)) {
      await rmIfFile(path);
      await rm(`${path}${META_SUFFIX}`, { force: true });
    }
  }

  async list(prefix: string, options: { after?: string; limit?: number } = {}): Promise<ObjectPage> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? LIST_MAX)), LIST_MAX);
    // Start at the deepest directory the prefix names whole; the rest of the prefix filters names.
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (base !== '' && !validKey(base.slice(0, -1))) return { objects: [], next: undefined };
    const found: ObjectHead[] = [];
    await this.walk(join(this.dir, ...base.split('/').filter(Boolean)), base, prefix, options.after, limit + 1, found);
    const objects = found.slice(0, limit);
    return { objects, next: found.length > limit ? objects[objects.length - 1].key : undefined };
  }

  /** Collects, in key order (UTF-8 bytes, as S3), up to `want` objects under `dir` after `after`. */
  private async walk(
    dir: string,
    base: string,
    prefix: string,
    after: string | undefined,
    want: number,
    found: ObjectHead[],
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    // A directory sorts as its name plus `/`: that is where all of its keys sort.
    const items = entries
      .filter((entry) => !(base === '' && entry.name === TEMP_DIR))
      .filter((entry) => entry.isDirectory() || (entry.isFile() && !entry.name.endsWith(META_SUFFIX)))
      .map((entry) => ({ name: entry.name, isDir: entry.isDirectory() }))
      .map((item) => ({ ...item, sortKey: base + item.name + (item.isDir ? '/' : '') }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const item of items) {
      if (found.length >= want) return;
      if (item.isDir) {
        const sub = item.sortKey;
        if (!sub.startsWith(prefix) && !prefix.startsWith(sub)) continue;
        // Every key under `sub` is at or before `after` when `sub` sorts before it and is not its prefix.
        if (after !== undefined && compareKeys(sub, after) < 0 && !after.startsWith(sub)) continue;
        await this.walk(join(dir, item.name), sub, prefix, after, want, found);
      } else {
        const key = item.sortKey;
        if (!key.startsWith(prefix) || (after !== undefined && compareKeys(key, after) <= 0)) continue;
        try {
          const stats = await stat(join(dir, item.name));
          found.push({ key, sizeBytes: stats.size, contentType: undefined, lastModified: new Date(stats.mtimeMs) });
        } catch (error) {
          if (!hasCode(error, 'ENOENT')) throw error;
        }
      }
    }
  }

  /**
   * Removes the temporary files of uploads that never finished (the process died mid-upload) last written before
   * `before`: a live upload keeps writing to its own, so an age beyond an upload URL's life never cuts one.
   */
  override async removeStaleParts(before: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tempDir);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.tempDir, name);
      const stats = await stat(path).catch(() => undefined);
      if (!stats?.isFile() || stats.mtimeMs >= before.getTime()) continue;
      await rm(path, { force: true });
      if (!name.endsWith(META_SUFFIX)) removed++;
    }
    return removed;
  }

  /** Whether the directory can be created and written. */
  async check(): Promise<void> {
    await mkdir(this.tempDir, { recursive: true });
    await access(this.dir, constants.R_OK | constants.W_OK);
    await access(this.tempDir, constants.R_OK | constants.W_OK);
  }

  // ---- helpers

  /** The file of a key, refusing any key that could step outside the store or clash with its own files. */
  private pathOf(key: string): string {
    const problem = keyProblem(key);
    if (problem) throw new InvalidObjectKeyError(key, problem);
    const path = join(this.dir, ...key.split('/'));
    if (!path.startsWith(this.dir + sep)) throw new InvalidObjectKeyError(key, 'outside the store');
    return path;
  }

  private urlOf(key: string): string {
    return `${this.publicUrl}${LOCAL_STORAGE_PATH}${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The expiry, in whole seconds, of a URL signed at `signedAt` (now when unset) that lives `seconds`. */
  private expiryFor(seconds: number, signedAt?: Date): number {
    return Math.ceil((signedAt?.getTime() ?? this.now()) / 1000) + seconds;
  }

  private sign(fields: string[]): string {
    return createHmac('sha256', this.signingKey)
      .update(JSON.stringify([SIGNATURE_VERSION, ...fields]))
      .digest('hex');
  }

  private signatureMatches(given: unknown, fields: string[]): boolean {
    if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
    return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(this.sign(fields), 'hex'));
  }
}

/** Why a key cannot be stored on disk, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains a control character or NUL';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'absolute';
  const segments = key.split('/');
  if (segments[0] === TEMP_DIR) return `starts with ${TEMP_DIR}/, the store's own`;
  for (const segment of segments) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return `has a segment over ${MAX_SEGMENT_BYTES} bytes`;
    if (segment.endsWith(META_SUFFIX)) return `has a segment ending in ${META_SUFFIX}, the store's own`;
  }
  return undefined;
}

const validKey = (key: string): boolean => keyProblem(key) === undefined;

/** S3's key order: by UTF-8 bytes (JavaScript's < compares UTF-16 units, which differs above U+FFFF). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** What an upload URL's signature covers. */
function uploadFields(key: string, size: number, type: string, expires: number, overwrite: boolean): string[] {
  return ['PUT', key, String(size), type, String(expires), overwrite ? 'overwrite' : 'once'];
}

/** What a download URL's signature covers. */
function downloadFields(
  key: string,
  disposition: string,
  type: string | undefined,
  etag: string | undefined,
  expires: number,
  cacheControl: string | undefined,
): string[] {
  // The Cache-Control is signed only when named, so that URLs signed before it existed stay valid.
  const fields = ['GET', key, disposition, type ?? '', etag ?? '', String(expires)];
  return cacheControl === undefined ? fields : [...fields, cacheControl];
}

function integerParam(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

function refuse<Code extends string>(code: Code, detail: string): { ok: false; code: Code; detail: string } {
  return { ok: false, code, detail };
}

function sizeMismatch(expected: number, received: string): AppError {
  return new AppError(
    'upload_size_mismatch',
    `This upload URL is for exactly ${expected} bytes, and ${received} arrived.`,
  );
}

function alreadyReceived(): AppError {
  return new AppError(
    'upload_already_received',
    'This upload URL has been used: an upload URL writes once. Ask the API for a new one.',
  );
}

async function readSidecar(path: string): Promise<Sidecar> {
  try {
    const parsed = JSON.parse(await readFile(`${path}${META_SUFFIX}`, 'utf8')) as Record<string, unknown> | null;
    return {
      contentType: typeof parsed?.contentType === 'string' ? parsed.contentType : undefined,
      etag: typeof parsed?.etag === 'string' ? parsed.etag : undefined,
    };
  } catch {
    return {};
  }
}

async function rmIfFile(path: string): Promise<void> {
  try {
    if ((await stat(path)).isFile()) await rm(path, { force: true });
  } catch (error) {
    if (!hasCode(error, 'ENOENT', 'ENOTDIR')) throw error;
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | null)?.code ?? '');
}
