import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError, PROFILE_PHOTO_MAX_BYTES } from '@app/contracts';
import { ProfilePhotosRepository, Transactions } from '@app/db';
import { ObjectStorage, objectKeys } from '@app/storage';
import { ChangeLog } from '../changes';
import { toUploadDto } from '../items';
import {
  ConfirmProfilePictureDto,
  ProfilePhotoDto,
  ProfilePhotoUploadDto,
  ProfilePictureConfirmationDto,
} from './dto/profile-photo.dto';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Profile photos: the client sends the bytes straight to storage (`profile_photos/original/{user}/photo`);
 * the workers check them and store a 400×400 square, then tell the API; the photo in use changes only then.
 */
@Injectable()
export class ProfilePhotoService {
  private readonly logger = new Logger(ProfilePhotoService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly changes: ChangeLog,
    private readonly photos: ProfilePhotosRepository,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async requestUpload(
    userId: string,
    sizeBytes: number | undefined,
    contentType?: string,
  ): Promise<ProfilePhotoUploadDto> {
    if (sizeBytes === undefined) {
      throw AppError.validation([{ field: 'photo_size_in_bytes', message: 'is required (in the body or the query)' }]);
    }
    if (sizeBytes > PROFILE_PHOTO_MAX_BYTES) {
      throw new AppError('file_too_large', `A profile photo may be at most ${PROFILE_PHOTO_MAX_BYTES} bytes (5 MiB).`);
    }
    const { uploadUrlTtlSeconds } = this.config.storage;
    const request = await this.storage.presignUpload({
      key: objectKeys.profilePhotoOriginal(userId),
      sizeBytes,
      contentType: contentType ?? DEFAULT_CONTENT_TYPE,
      expiresInSeconds: uploadUrlTtlSeconds,
      // One key per user, taken again by each new photo (the worker deletes the original once it is processed).
      overwrite: true,
    });
    const givenUpAt = request.expiresAt.getTime() + this.config.drive.uploadGraceSeconds * 1000;
    await this.photos.startUpload(userId, new Date(givenUpAt));
    return { upload: toUploadDto(request) };
  }

  async get(userId: string, now = new Date()): Promise<ProfilePhotoDto> {
    const photo = await this.photos.find(userId);
    // An upload whose bytes never came is no longer "processing" once its URL and the grace period are over.
    const upload =
      photo?.uploadStatus === 'processing' && photo.uploadExpiresAt! <= now ? null : (photo?.uploadStatus ?? null);
    if (!photo?.extension) {
      // `photo_status`, not `status`: in a problem document `status` is the HTTP status (RFC 9457).
      throw new AppError(
        'no_profile_photo',
        upload === 'processing'
          ? 'There is no profile photo yet: the one uploaded is being checked.'
          : upload === 'rejected'
            ? 'There is no profile photo: the one uploaded was not an image we accept.'
            : 'There is no profile photo.',
        upload ? { photo_status: upload } : {},
      );
    }
    const download = await this.storage.presignDownload({
      key: objectKeys.profilePhotoResized(userId, photo.extension),
      fileName: `photo.${photo.extension}`,
      expiresInSeconds: this.config.storage.downloadUrlTtlSeconds,
    });
    return { url: download.url, expires_at: download.expiresAt, status: upload ?? 'ready' };
  }

  /** Forgets the photo and deletes its objects (an upload under way included). */
  async remove(userId: string): Promise<void> {
    const extension = await this.photos.remove(userId);
    const keys = [objectKeys.profilePhotoOriginal(userId)];
    if (extension) keys.push(objectKeys.profilePhotoResized(userId, extension));
    await this.deleteObjects(keys);
  }

  /**
   * The workers' verdict (idempotent). A new photo in another format makes the old object garbage; a photo
   * that arrives when none is awaited (the user deleted theirs meanwhile) is discarded, its object deleted.
   */
  async confirm(dto: ConfirmProfilePictureDto): Promise<ProfilePictureConfirmationDto> {
    const extension = dto.extension ?? null;
    const settled = await this.transactions.run(async () => {
      const verdict = await this.photos.settle(dto.user_id, dto.status, extension);
      if (verdict?.answer === 'ready') this.changes.user('profile_photo_ready', dto.user_id);
      return verdict;
    });
    if (!settled) throw new AppError('user_not_found', 'There is no such user.');
    const garbage = [settled.replaced];
    if (settled.answer === 'discarded' && dto.status === 'ready' && settled.inUse !== extension)
      garbage.push(extension);
    const keys = garbage.filter((ext) => ext !== null).map((ext) => objectKeys.profilePhotoResized(dto.user_id, ext));
    if (keys.length > 0) await this.deleteObjects(keys);
    return { user_id: dto.user_id, status: settled.answer };
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    await this.storage.delete(keys).catch((error: unknown) => {
      this.logger.warn(`Could not delete ${keys.join(', ')}: ${String(error)}`);
    });
  }
}
