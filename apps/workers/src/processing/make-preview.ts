import { Injectable, Logger } from '@nestjs/common';
import {
  FilePreviewConfirmation,
  isUnavailable,
  MAX_MEDIA_DURATION_MS,
  PreviewOutcome,
  PreviewSource,
  previewSource,
} from '@app/contracts';
import { FileKey, ObjectStorage } from '@app/storage';
import { ApiCallError, ApiClient } from '../api/api-client';
import { ImageError, ImageResizer, MAX_PREVIEW_SOURCE_BYTES, RenderedImage } from '../media/image-resizer';
import { PdfRenderer } from '../media/pdf-renderer';
import { storageRangeSource } from '../media/range-relay';
import { VideoPoster } from '../media/video-poster';
import { withRetries } from './retry';

/** A rendered preview, and what was learnt of the file on the way (a video's length and frame size). */
interface MadePreview {
  image: RenderedImage;
  facts?: Pick<FilePreviewConfirmation, 'duration_ms' | 'media_width' | 'media_height'>;
}

/** What became of a preview: an outcome the API recorded, or `gone` when the file went meanwhile. */
export type PreviewResult = PreviewOutcome | 'gone';

/**
 * A confirmed file's preview, inside 400×400, stored where the API said (`preview_key`: the bytes' own key under
 * `previews/`), then the API told: an image resized, a PDF's first page rendered (both read whole, up to 64 MiB), a
 * video's poster frame (ffmpeg reads the ranges it needs through the storage port, whatever the video's size). A
 * storage hiccup is retried with backoff before the preview is called failed; a store that stays unreachable fails
 * the event instead (it is delivered again), leaving the preview pending. Each content has its own preview key, so a
 * preview finished after a Replace overwrites nothing: the API records it on the version that keeps its bytes.
 */
@Injectable()
export class PreviewMaker {
  private readonly logger = new Logger(PreviewMaker.name);

  constructor(
    private readonly storage: ObjectStorage,
    private readonly resizer: ImageResizer,
    private readonly pdfs: PdfRenderer,
    private readonly videos: VideoPoster,
    private readonly api: ApiClient,
  ) {}

  async make(
    target: FileKey,
    objectKey: string,
    sizeBytes: number,
    contentType: string | null,
    previewKey: string,
  ): Promise<PreviewResult> {
    const source = previewSource(contentType);
    let outcome: PreviewOutcome;
    let made: Omit<FilePreviewConfirmation, 'file_id' | 'status' | 'object_key' | 'preview_key'> = {};
    if (!source || (source !== 'video' && sizeBytes > MAX_PREVIEW_SOURCE_BYTES)) {
      outcome = 'unsupported';
    } else {
      try {
        const preview = await this.render(source, objectKey, contentType!);
        if (!preview) return 'gone';
        const { image, facts } = preview;
        await withRetries(() => this.storage.write(previewKey, image.data, image.contentType));
        outcome = 'ready';
        made = { width: image.width, height: image.height, ...facts };
      } catch (error) {
        // A store still down after the retries says nothing of the image: the preview stays pending for the
        // event's redelivery (and the reconciler's deadline), rather than be called failed for good.
        if (isUnavailable(error)) throw error;
        outcome = error instanceof ImageError && error.reason === 'unsupported' ? 'unsupported' : 'failed';
        this.logger.warn(`${objectKey}: no preview (${outcome}): ${error instanceof Error ? error.message : error}`);
      }
    }
    let kept: boolean;
    try {
      const answer = await this.api.confirmFilePreview({
        file_id: target.fileId,
        status: outcome,
        ...made,
        object_key: objectKey,
        preview_key: previewKey,
      });
      kept = answer.preview_kept;
    } catch (error) {
      // The file was purged while its preview was being made: that preview belongs to no one.
      if (!(error instanceof ApiCallError && error.code === 'file_not_found')) throw error;
      kept = false;
      if (outcome !== 'ready') return 'gone';
    }
    // Written, but no row names it (its bytes were deleted meanwhile, or the reconciler gave up on it): it must not
    // stay. A preview key is never named again once let go of, so this deletes nobody's preview.
    if (outcome === 'ready' && !kept) {
      await withRetries(() => this.storage.delete([previewKey]));
      return 'gone';
    }
    return outcome;
  }

  /** The preview of the object's bytes; null when the object is gone. */
  private async render(source: PreviewSource, objectKey: string, contentType: string): Promise<MadePreview | null> {
    if (source === 'video') {
      // Whether the object is there is asked first: a read that finds nothing would pass for a broken video.
      const head = await withRetries(() => this.storage.head(objectKey));
      if (!head) return null;
      const frame = await this.videos.poster(storageRangeSource(this.storage, objectKey, head.sizeBytes), contentType);
      return {
        image: await this.resizer.preview(frame.png),
        facts: { ...durationOf(frame.durationSeconds), media_width: frame.width, media_height: frame.height },
      };
    }
    const bytes = await withRetries(() => this.storage.read(objectKey));
    if (!bytes) return null;
    if (source === 'image') return { image: await this.resizer.preview(bytes) };
    const page = await this.pdfs.firstPage(bytes);
    return { image: await this.resizer.previewOfPixels(page.pixels, page.width, page.height) };
  }
}

/** A duration as the API records it (whole milliseconds); none when ffmpeg knew none or it is beyond the column. */
function durationOf(seconds: number | null): { duration_ms?: number } {
  const ms = seconds === null ? NaN : Math.round(seconds * 1000);
  return Number.isFinite(ms) && ms <= MAX_MEDIA_DURATION_MS ? { duration_ms: ms } : {};
}
