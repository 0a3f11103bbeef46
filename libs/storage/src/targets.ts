import { ByteRange, DownloadTarget, UploadTarget } from './object-storage';

/** S3's largest single PUT. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
/** SigV4's longest presigned lifetime (a week); the local store keeps the same bound. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const TOKEN = "[\\w!#$%&'*+.^`|~-]+";
/** A media type (RFC 9110: `type/subtype`, optional `; name=value` parameters) that travels in a header as is. */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`,
);

/**
 * What both adapters refuse to sign: these are programming errors of the caller (the API checks sizes
 * and types first, with proper error codes), so they throw plain errors.
 */
export function assertUploadTarget(target: UploadTarget): void {
  assertKey(target.key);
  assertExpiry(target.expiresInSeconds);
  if (!Number.isSafeInteger(target.sizeBytes) || target.sizeBytes < 0 || target.sizeBytes > MAX_SINGLE_UPLOAD_BYTES) {
    throw new RangeError(`Cannot presign an upload of ${target.sizeBytes} bytes`);
  }
  assertContentType(target.contentType);
}

export function assertDownloadTarget(target: DownloadTarget): void {
  assertKey(target.key);
  assertExpiry(target.expiresInSeconds);
  if (target.contentType !== undefined) assertContentType(target.contentType);
  if (target.cacheControl !== undefined && !/^[\x20-\x7e]{1,255}$/.test(target.cacheControl)) {
    throw new RangeError(`Not a Cache-Control that can be signed: ${JSON.stringify(target.cacheControl)}`);
  }
  if (target.signedAt !== undefined && !Number.isFinite(target.signedAt.getTime())) {
    throw new RangeError('Not a signing date');
  }
}

export function assertRange(range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end < range.start
  ) {
    throw new RangeError(`Not a byte range: ${range.start}-${range.end}`);
  }
}

/** The headers a presigned PUT's client must send, all signed: the size, the type, and (writing once) If-None-Match. */
export function uploadHeaders(target: UploadTarget): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': target.contentType,
    'Content-Length': String(target.sizeBytes),
  };
  if (!target.overwrite) headers['If-None-Match'] = '*';
  return headers;
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > 1024) {
    throw new RangeError(`Not an object key: ${JSON.stringify(key)}`);
  }
}

function assertExpiry(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`A presigned URL lives 1 s to 7 days, not ${seconds}`);
  }
}

function assertContentType(contentType: string): void {
  if (typeof contentType !== 'string' || contentType.length > 255 || !MEDIA_TYPE.test(contentType)) {
    throw new RangeError(`Not a content type that can be signed: ${JSON.stringify(contentType)}`);
  }
}
