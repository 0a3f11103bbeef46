import { Injectable } from '@nestjs/common';
import { ObjectStorage, parseFileKey } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ContentSniffer, SNIFF_BYTES } from '../media/content-sniffer';
import { PreviewMaker, PreviewResult } from './make-preview';
import { withRetries } from './retry';

export type UploadOutcome = 'confirmed' | 'rejected' | 'gone' | 'ignored';

export interface UploadProcessed {
  upload: UploadOutcome;
  /** Set when a preview was made (or tried) by this call. */
  preview?: PreviewResult;
}

/**
 * An object arrived under `files/…`: read its head and first bytes, sniff the real type, and ask the API to
 * confirm the upload (the API checks the size itself). When the API wants a preview (a confirmed image whose
 * preview is pending), make it. Idempotent: the API answers a repeat as the first, and a preview already
 * made is not made again.
 */
@Injectable()
export class UploadProcessor {
  constructor(
    private readonly storage: ObjectStorage,
    private readonly sniffer: ContentSniffer,
    private readonly api: ApiClient,
    private readonly previews: PreviewMaker,
  ) {}

  async process(key: string): Promise<UploadProcessed> {
    const target = parseFileKey(key);
    if (!target) return { upload: 'ignored' };
    // Storage that is down is waited out (withRetries); the API that is down, by the client's own retries.
    const head = await withRetries(() => this.storage.head(key));
    if (!head) return { upload: 'gone' };
    const first =
      head.sizeBytes > 0
        ? await withRetries(() => this.storage.read(key, { start: 0, end: Math.min(head.sizeBytes, SNIFF_BYTES) - 1 }))
        : null;
    const sniffed = first ? await this.sniffer.sniff(first) : undefined;
    let answer;
    try {
      answer = await this.api.confirmFileUpload({
        file_id: target.fileId,
        size_in_bytes: head.sizeBytes,
        content_type: sniffed?.mime ?? head.contentType ?? 'application/octet-stream',
        object_key: key,
      });
    } catch (error) {
      // The file was purged (or never finished): the API deleted the object, which belongs to no one.
      if (error instanceof ApiCallError && error.code === 'file_not_found') return { upload: 'gone' };
      throw error;
    }
    if (answer.status !== 'confirmed' || answer.preview_status !== 'pending' || !answer.preview_key) {
      return { upload: answer.status };
    }
    return {
      upload: answer.status,
      preview: await this.previews.make(target, key, head.sizeBytes, answer.content_type, answer.preview_key),
    };
  }
}
