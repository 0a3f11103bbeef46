import { Injectable, Logger } from '@nestjs/common';
import {
  PROFILE_PHOTO_MAX_BYTES,
  PROFILE_PHOTO_TYPES,
  ProfilePhotoOutcome,
  ProfilePictureConfirmation,
} from '@app/contracts';
import { ObjectStorage, objectKeys, parseProfilePhotoKey } from '@app/storage';
import { ApiClient } from '../api/api-client';
import { ContentSniffer, SNIFF_BYTES } from '../media/content-sniffer';
import { ImageError, ImageResizer, RenderedImage } from '../media/image-resizer';
import { withRetries } from './retry';

/** The API's verdict (`discarded`: no upload was awaited any more), or why there was none to ask for. */
export type ProfilePhotoResult = ProfilePhotoOutcome | 'discarded' | 'gone' | 'ignored';

/**
 * A profile photo arrived under `profile_photos/original/{user}/photo`. Its bytes (not its name nor its
 * declared type) must be an image we decode; it becomes a 400×400 square under the resized prefix. Either
 * way the original is deleted after the API has been told, so a failed call leaves it for the retry, and a
 * repeated event finds nothing to do.
 */
@Injectable()
export class ProfilePhotoProcessor {
  private readonly logger = new Logger(ProfilePhotoProcessor.name);

  constructor(
    private readonly storage: ObjectStorage,
    private readonly sniffer: ContentSniffer,
    private readonly resizer: ImageResizer,
    private readonly api: ApiClient,
  ) {}

  async process(key: string): Promise<ProfilePhotoResult> {
    const target = parseProfilePhotoKey(key);
    if (!target) return 'ignored';
    const head = await withRetries(() => this.storage.head(key));
    if (!head) return 'gone';
    let rejection: string | undefined;
    let photo: RenderedImage | undefined;
    if (head.sizeBytes > PROFILE_PHOTO_MAX_BYTES) {
      rejection = 'larger than 5 MiB';
    } else {
      const bytes = await withRetries(() => this.storage.read(key));
      if (!bytes) return 'gone';
      rejection = await this.whyNot(bytes);
      if (rejection === undefined) {
        try {
          photo = await this.resizer.profilePhoto(bytes);
        } catch (error) {
          if (!(error instanceof ImageError)) throw error;
          rejection = error.message;
        }
      }
    }
    if (!photo) {
      this.logger.warn(`${key}: rejected (${rejection})`);
      return this.settle(key, { user_id: target.userId, status: 'rejected' });
    }
    const resized = photo;
    await withRetries(() =>
      this.storage.write(
        objectKeys.profilePhotoResized(target.userId, resized.extension),
        resized.data,
        resized.contentType,
      ),
    );
    return this.settle(key, { user_id: target.userId, status: 'ready', extension: resized.extension });
  }

  /** Why the bytes cannot be a profile photo, or undefined when they can. */
  private async whyNot(bytes: Buffer): Promise<string | undefined> {
    const sniffed = await this.sniffer.sniff(bytes.subarray(0, SNIFF_BYTES));
    if (!sniffed || !PROFILE_PHOTO_TYPES.has(sniffed.mime))
      return `its bytes are ${sniffed?.mime ?? 'of no known type'}`;
    return undefined;
  }

  private async settle(key: string, confirmation: ProfilePictureConfirmation): Promise<ProfilePhotoResult> {
    const answer = await this.api.confirmProfilePicture(confirmation);
    await withRetries(() => this.storage.delete([key]));
    return answer.status;
  }
}
