import { Injectable } from '@nestjs/common';
import { ObjectStorage, parseFileKey } from '@app/storage';
import { ApiClient } from '../api/api-client';
import { ContentSniffer, SNIFF_BYTES } from '../media/content-sniffer';

export type UploadOutcome = 'confirmed' | 'rejected' | 'gone' | 'ignored';

/**
 * An object arrived under `files/…`: read its head and first bytes, sniff the real type, and ask the API to
 * confirm the upload (the API checks the size itself). Idempotent: the API answers a repeat as the first.
 */
@Injectable()
export class UploadProcessor {
  constructor(
    private readonly storage: ObjectStorage,
    private readonly sniffer: ContentSniffer,
    private readonly api: ApiClient,
  ) {}

  async process(key: string): Promise<UploadOutcome> {
    const target = parseFileKey(key);
    if (!target) return 'ignored';
    const head = await this.storage.head(key);
    if (!head) return 'gone';
    const first =
      head.sizeBytes > 0
        ? await this.storage.read(key, { start: 0, end: Math.min(head.sizeBytes, SNIFF_BYTES) - 1 })
        : null;
    const sniffed = first ? await this.sniffer.sniff(first) : undefined;
    const answer = (await this.api.confirmFileUpload({
      file_id: target.fileId,
      size_in_bytes: head.sizeBytes,
      content_type: sniffed?.mime ?? head.contentType ?? 'application/octet-stream',
      object_key: key,
    })) as { status: 'confirmed' | 'rejected' };
    return answer.status;
  }
}
