import type { Readable } from 'node:stream';
/** A request the client makes itself, straight to storage: the method, the URL and the headers it must send. */
export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Headers the client must send as they are (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface UploadTarget {
  key: string;
  /** The exact Content-Length the upload must have: any other size is refused by storage. */
  sizeBytes: number;
  /** The exact Content-Type the upload must carry. */
  contentType: string;
  expiresInSeconds: number;
  /**
   * Whether the upload may replace an object already at the key (a profile photo's fixed key). Otherwise the URL
   * writes once: storage refuses it (412) whenever an object is at the key, so a settled upload is never rewritten.
   */
  overwrite?: boolean;
}

export interface DownloadTarget {
  key: string;
  /** Offered to the browser as the download's name (Content-Disposition: attachment, RFC 6266/5987). */
  fileName: string;
  contentType?: string;
  expiresInSeconds: number;
  /** Serve only the object with this ETag (the local store checks it; a browser cannot send S3 an If-Match). */
  etag?: string;
  /** Serve this version of the object (S3, in a versioned bucket). */
  versionId?: string;
  /**
   * When the signature is dated (now when unset); the URL lives `expiresInSeconds` from then. The same target
   * signed with the same date is the same URL, which is what lets a browser cache what it serves.
   */
  signedAt?: Date;
  /** The response's Cache-Control (signed, like the disposition); storage's default when unset. */
  cacheControl?: string;
}

/** Which bytes of a key are meant: those with this ETag (unquoted), or this version (a versioned S3 bucket). */
export interface ObjectPin {
  etag?: string;
  versionId?: string;
}

export interface ObjectHead {
  key: string;
  sizeBytes: number;
  contentType: string | undefined;
  lastModified: Date | undefined;
  /** The object's ETag, unquoted, when storage tells it (head does; list does not). */
  etag?: string;
  /** The object's version, in a versioned S3 bucket. */
  versionId?: string;
}

/** A byte range, both ends included (as HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectPage {
  objects: ObjectHead[];
  /** Pass as `after` for the next page; undefined on the last one. */
  next: string | undefined;
}

/**
 * The storage port: what the API and the workers need of an object store. Two adapters implement it:
 * S3 (AWS, MinIO, R2, Ceph…) and a local-disk store served by the API itself.
 */
export abstract class ObjectStorage {
  /** A presigned PUT whose signature covers the key, the exact Content-Length, the Content-Type and an expiry. */
  abstract presignUpload(target: UploadTarget): Promise<PresignedRequest>;
  /** A presigned GET that downloads as an attachment under the given name. */
  abstract presignDownload(target: DownloadTarget): Promise<PresignedRequest>;
  /** The object's size and type, or null when there is no such object. */
  abstract head(key: string): Promise<ObjectHead | null>;
  /** The object's bytes, or the given range of them; null when there is no such object. */
  abstract read(key: string, range?: ByteRange): Promise<Buffer | null>;
  /**
   * The object's bytes (or the given range of them) as a stream, read as they are sent; null when there is no such
   * object, or when `pin` names bytes it no longer holds (another ETag or version).
   */
  abstract stream(key: string, pin?: ObjectPin, range?: ByteRange): Promise<Readable | null>;
  abstract write(key: string, body: Buffer, contentType: string): Promise<void>;
  /**
   * Copies the object at `fromKey` to `toKey` inside storage (the bytes never pass through the caller), with its
   * content type, and answers the copy's head (its ETag and version, to pin it by); null when there is no such
   * object, or when `pin` names bytes it no longer holds. The copy is independent: deleting either leaves the other.
   * The embedded store announces no copy, and the workers skip S3's `ObjectCreated:Copy`: a copy is recorded by
   * whoever made it.
   */
  abstract copy(fromKey: string, toKey: string, pin?: ObjectPin): Promise<ObjectHead | null>;
  /** Deletes the objects; keys that do not exist are ignored. */
  abstract delete(keys: string[]): Promise<void>;
  /** Objects whose key starts with `prefix`, in key order, a page at a time. */
  abstract list(prefix: string, options?: { after?: string; limit?: number }): Promise<ObjectPage>;
  /** Throws when the store cannot be reached (readiness). */
  abstract check(): Promise<void>;

  /**
   * Removes what interrupted uploads left behind, when it is older than `before`; answers how many. Nothing by
   * default: S3 keeps no half object of a single PUT.
   */
  async removeStaleParts(_before: Date): Promise<number> {
    return 0;
  }
}

/** Deletes every object under `prefix`, a page at a time; answers how many there were. */
export async function deleteUnder(storage: ObjectStorage, prefix: string): Promise<number> {
  let deleted = 0;
  // Each page is listed afresh from the start: what was deleted is gone from the listing.
  for (;;) {
    const page = await storage.list(prefix, { limit: 1000 });
    if (page.objects.length === 0) return deleted;
    await storage.delete(page.objects.map((object) => object.key));
    deleted += page.objects.length;
  }
}
