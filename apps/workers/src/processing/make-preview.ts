import { Injectable, Logger } from '@nestjs/common';
import { isUnavailable, PreviewConfirmed, PreviewOutcome } from '@app/contracts';
import { FileKey, ObjectStorage, objectKeys } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ImageError, ImageResizer, MAX_PREVIEW_SOURCE_BYTES } from '../media/image-resizer';
import { withRetries } from './retry';

/** What became of a preview: an outcome the API recorded, or `gone` when the file went meanwhile. */
export type PreviewResult = PreviewOutcome | 'gone';

/**
 * A confirmed image's preview: read its bytes, render inside 400×400, store at `previews/{owner}/{file}`,
 * then tell the API. A storage hiccup is retried with backoff before the preview is called failed; a store
 * that stays unreachable fails the event instead (it is delivered again), leaving the preview pending.
 * `retry`: whether a preview found stale (the file replaced meanwhile) is made again from the new bytes.
 */
@Injectable()
export class PreviewMaker {
  private readonly logger = new Logger(PreviewMaker.name);

  constructor(
    private readonly storage: ObjectStorage,
    private readonly resizer: ImageResizer,
    private readonly api: ApiClient,
  ) {}

  async make(target: FileKey, objectKey: string, sizeBytes: number, retry = true): Promise<PreviewResult> {
    const previewKey = objectKeys.preview(target.ownerId, target.fileId);
    let outcome: PreviewOutcome;
    let size: { width: number; height: number } | undefined;
    if (sizeBytes > MAX_PREVIEW_SOURCE_BYTES) {
      outcome = 'unsupported';
    } else {
      try {
        const bytes = await withRetries(() => this.storage.read(objectKey));
        if (!bytes) return 'gone';
        const preview = await this.resizer.preview(bytes);
        await withRetries(() => this.storage.write(previewKey, preview.data, preview.contentType));
        outcome = 'ready';
        size = { width: preview.width, height: preview.height };
      } catch (error) {
        // A store still down after the retries says nothing of the image: the preview stays pending for the
        // event's redelivery (and the reconciler's deadline), rather than be called failed for good.
        if (isUnavailable(error)) throw error;
        outcome = error instanceof ImageError && error.reason === 'unsupported' ? 'unsupported' : 'failed';
        this.logger.warn(`${objectKey}: no preview (${outcome}): ${error instanceof Error ? error.message : error}`);
      }
    }
    let answer: PreviewConfirmed;
    try {
      answer = await this.api.confirmFilePreview({
        file_id: target.fileId,
        status: outcome,
        ...size,
        object_key: objectKey,
      });
    } catch (error) {
      // The file was purged while its preview was being made: that preview belongs to no one.
      if (error instanceof ApiCallError && error.code === 'file_not_found') {
        if (outcome === 'ready') await this.storage.delete([previewKey]);
        return 'gone';
      }
      throw error;
    }
    // The file was replaced meanwhile: what was just written may have overwritten the new bytes' preview, so
    // it is made again from them (once: a file replaced again has an event of its own).
    if (outcome === 'ready' && answer.object_key !== objectKey && retry) {
      const current = await withRetries(() => this.storage.head(answer.object_key));
      const again = current ? await this.make(target, answer.object_key, current.sizeBytes, false) : 'gone';
      // No preview of the new bytes was written over the stale one: it must not stay.
      if (again !== 'ready') await withRetries(() => this.storage.delete([previewKey]));
      return again;
    }
    return outcome;
  }
}
