import type { DownloadTarget } from '@app/storage';

/** Stored bytes as a file's row or a version's row names them. */
export interface StoredBytes {
  objectKey: string;
  contentType: string | null;
  objectEtag: string | null;
  objectVersionId: string | null;
}

/**
 * A presigned download of exactly these bytes (their ETag, and S3 version, whatever reached the key since), as an
 * attachment under the file's name.
 */
export function pinnedDownload(fileName: string, bytes: StoredBytes, expiresInSeconds: number): DownloadTarget {
  return {
    key: bytes.objectKey,
    fileName,
    contentType: bytes.contentType ?? undefined,
    expiresInSeconds,
    etag: bytes.objectEtag ?? undefined,
    versionId: bytes.objectVersionId ?? undefined,
  };
}
