import { Injectable, Logger } from '@nestjs/common';
import { AppError, isPreviewable } from '@app/contracts';
import {
  Item,
  ItemsRepository,
  PreviewsRepository,
  QuotaRepository,
  Transactions,
  UploadsRepository,
  VersionsRepository,
} from '@app/db';
import { ObjectStorage, objectKeys, parseFileKey } from '@app/storage';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import { ConfirmFilePreviewDto, PreviewConfirmationDto } from './dto/confirm-file-preview.dto';
import { ConfirmFileUploadDto, UploadConfirmationDto } from './dto/confirm-file-upload.dto';

type Outcome =
  { file: Item; status: 'confirmed' | 'rejected'; garbage: string[] } | { file: Item | null; status: null };

@Injectable()
export class ConfirmationsService {
  private readonly logger = new Logger(ConfirmationsService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly uploads: UploadsRepository,
    private readonly previews: PreviewsRepository,
    private readonly quota: QuotaRepository,
    private readonly versions: VersionsRepository,
    private readonly access: AccessService,
    private readonly storage: ObjectStorage,
    private readonly changes: ChangeLog,
  ) {}

  /**
   * pending → confirmed when the object's real size is the signed one and its uploader may still edit the file
   * (it is not in the trash, their share was not revoked); otherwise the upload is rejected and its object
   * deleted. The confirmed bytes are pinned by their ETag (and version): downloads serve those only. A
   * replacement's bytes take over and the old ones are kept as a version (see VersionsService). Quota moves in the same transaction as the row. The
   * preview is `pending` when the bytes were sniffed as an image the workers preview (they make it next), else
   * `unsupported`; a type nobody sniffed (the reconciler's) promises none.
   *
   * An object that is not the file's pending upload nor its bytes (a used URL written again after its object
   * went, an upload superseded or already rejected, one whose file was purged) is deleted: storage keeps no bytes
   * that no row charges to a quota. Idempotent: a repeated call answers with the state the first one left.
   */
  async confirmFileUpload(
    dto: ConfirmFileUploadDto,
    { sniffed = true }: { sniffed?: boolean } = {},
  ): Promise<UploadConfirmationDto> {
    const current = await this.items.findAny(dto.file_id);
    if (!current || current.kind !== 'file') {
      await this.discardStale(null, dto.file_id, dto.object_key);
      throw new AppError('file_not_found', 'There is no such file.');
    }
    const key = dto.object_key ?? current.uploadKey;
    if (!key || key !== current.uploadKey) {
      await this.discardStale(current, dto.file_id, dto.object_key);
      return this.answerSettled(current, dto.object_key);
    }

    // Storage is asked outside the transaction; inside, the row is locked and must still await this upload.
    const head = await this.storage.head(key);
    if (!head) throw new AppError('upload_missing', 'The upload’s bytes are not in storage (yet).');

    const outcome: Outcome = await this.transactions.run(async () => {
      const file = await this.items.lock(dto.file_id);
      if (!file || file.uploadKey !== key) return { file, status: null };
      const size = file.uploadSizeBytes!;
      if (head.sizeBytes !== size || !(await this.uploaderMayStillWrite(file))) {
        await this.quota.release(file.ownerId, size);
        await this.changes.unheard([file.id]); // the upload leaves the listings of its owner and editors
        const rejected = await this.uploads.rejectUpload(file.id);
        // Only to who could see the upload: its uploader and the owner (others never saw a file that never came).
        const told = [file.ownerId, file.uploadRequestedBy].filter((id): id is string => id !== null);
        await this.changes.item('upload_rejected', file.id, told);
        return { file: rejected, status: 'rejected', garbage: [key] };
      }
      // A replacement's old bytes are kept as a version, and go on counting against the quota.
      await this.quota.commit(file.ownerId, size);
      await this.versions.keepCurrent(file.id);
      const previewStatus = !sniffed ? 'none' : isPreviewable(dto.content_type) ? 'pending' : 'unsupported';
      // The new bytes' preview has a key of its own: the old bytes' stays with their version.
      const confirmed = await this.uploads.confirmUpload(file.id, {
        sizeBytes: size,
        contentType: dto.content_type,
        etag: head.etag ?? null,
        versionId: head.versionId ?? null,
        previewStatus,
        previewKey: previewStatus === 'pending' ? objectKeys.previewOf(key) : null,
      });
      await this.changes.items('upload_confirmed', [file.id]);
      return { file: confirmed, status: 'confirmed', garbage: [] };
    });
    if (outcome.status === null) {
      await this.discardStale(outcome.file, dto.file_id, key);
      if (!outcome.file) throw new AppError('file_not_found', 'There is no such file.');
      return this.answerSettled(outcome.file, key);
    }
    await this.deleteObjects(outcome.garbage);
    return this.answer(outcome.file, outcome.status);
  }

  /**
   * Whether the user who asked for the upload may still edit the file: a file put in the trash, or a share
   * revoked, since the URL was handed out takes no bytes through it. (Uploads asked for before the uploader was
   * recorded are judged on the trash alone.)
   */
  private async uploaderMayStillWrite(file: Item): Promise<boolean> {
    if (file.deletedAt) return false;
    if (!file.uploadRequestedBy) return true;
    try {
      await this.access.requireFile(file.uploadRequestedBy, file.id, 'edit');
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }

  /**
   * Deletes the object an event was about when it is one of this file's upload keys that the row no longer
   * points at (or the row is gone). Such a key never becomes the file's again (every upload has a key of its
   * own), so this needs no lock.
   */
  private async discardStale(file: Item | null, fileId: string, key: string | undefined): Promise<void> {
    if (key === undefined || parseFileKey(key)?.fileId !== fileId) return;
    if (file && (key === file.objectKey || key === file.uploadKey)) return;
    await this.deleteObjects([key]);
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.storage.delete(keys).catch((error: unknown) => {
      // Nothing is lost: the reconciler removes objects that no row points at.
      this.logger.warn(`Could not delete ${keys.join(', ')}: ${String(error)}`);
    });
  }

  /** A file with no upload pending for `key`: answer as the confirmation that settled it did. */
  private answerSettled(file: Item, key: string | undefined): UploadConfirmationDto {
    if (file.uploadStatus === 'rejected') return this.answer(file, 'rejected');
    if (file.uploadStatus === 'confirmed' && (key === undefined || key === file.objectKey)) {
      return this.answer(file, 'confirmed');
    }
    // Another upload of this file that is no longer pending (rejected, superseded or expired) will never be its
    // bytes: answered as its rejection was, so that a repeated call answers as the first did.
    if (key !== undefined && parseFileKey(key)?.fileId === file.id) return this.answer(file, 'rejected');
    throw new AppError('upload_not_pending', 'That object is not this file’s pending upload.');
  }

  private answer(file: Item, status: 'confirmed' | 'rejected'): UploadConfirmationDto {
    return {
      file_id: file.id,
      status,
      size_in_bytes: file.sizeBytes,
      content_type: file.contentType,
      preview_status: file.previewStatus,
      preview_key: file.previewKey,
    };
  }

  /**
   * pending → ready, failed or unsupported, on whichever holds the bytes the preview was made from: the file, or
   * the version a Replace (or a restore) made of them meanwhile. Only a pending preview changes; anything else is
   * answered with the state as it is (idempotent), and `preview_kept` tells the worker whether what it stored is
   * anyone's.
   */
  async confirmFilePreview(dto: ConfirmFilePreviewDto): Promise<PreviewConfirmationDto> {
    const ready = dto.status === 'ready';
    if (ready && (dto.width === undefined || dto.height === undefined)) {
      throw AppError.validation([{ field: 'width', message: 'width and height are required with status ready' }]);
    }
    await this.transactions.run(async () => {
      const settled = await this.previews.settlePreview(dto.file_id, {
        status: dto.status,
        width: ready ? dto.width! : null,
        height: ready ? dto.height! : null,
        objectKey: dto.object_key ?? null,
        previewKey: dto.preview_key ?? null,
        durationMs: ready ? (dto.duration_ms ?? null) : null,
        mediaWidth: ready ? (dto.media_width ?? null) : null,
        mediaHeight: ready ? (dto.media_height ?? null) : null,
      });
      // A preview of bytes now kept as a version changes nothing anyone sees.
      if (settled === 'file') await this.changes.items(ready ? 'preview_ready' : 'preview_failed', [dto.file_id]);
    });
    const file = await this.items.findAny(dto.file_id);
    // A file in the trash keeps its preview: a restore from the trash brings both back.
    if (!file || file.kind !== 'file' || file.uploadStatus !== 'confirmed') {
      throw new AppError('file_not_found', 'There is no such file.');
    }
    const kept =
      dto.preview_key !== undefined && (await this.previews.referencedPreviewKeys([file.id])).has(dto.preview_key);
    return {
      file_id: file.id,
      preview_status: file.previewStatus,
      object_key: file.objectKey!,
      content_type: file.contentType,
      preview_kept: kept,
    };
  }
}
