import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { Item, ItemsRepository, UsersRepository } from '@app/db';
import { ObjectStorage, parseFileKey } from '@app/storage';
import { ConfirmFileUploadDto, UploadConfirmationDto } from './dto/confirm-file-upload.dto';

type Outcome =
  { file: Item; status: 'confirmed' | 'rejected'; garbage: string[] } | { file: Item | null; status: null };

@Injectable()
export class ConfirmationsService {
  private readonly logger = new Logger(ConfirmationsService.name);

  constructor(
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly storage: ObjectStorage,
  ) {}

  /**
   * pending → confirmed when the object's real size is the signed one; otherwise the upload is rejected and
   * its object deleted. A replacement's bytes take over and the old object goes. Quota moves in the same
   * transaction as the row. Idempotent: a repeated call answers with the state the first one left.
   */
  async confirmFileUpload(dto: ConfirmFileUploadDto): Promise<UploadConfirmationDto> {
    const current = await this.items.findAny(dto.file_id);
    if (!current || current.kind !== 'file') throw new AppError('file_not_found', 'There is no such file.');
    const key = dto.object_key ?? current.uploadKey;
    if (!key || key !== current.uploadKey) return this.answerSettled(current, dto.object_key);

    // Storage is asked outside the transaction; inside, the row is locked and must still await this upload.
    const head = await this.storage.head(key);
    if (!head) throw new AppError('upload_missing', 'The upload’s bytes are not in storage (yet).');

    const outcome: Outcome = await this.items.transaction(async (manager) => {
      const file = await this.items.lock(dto.file_id, manager);
      if (!file || file.uploadKey !== key) return { file, status: null };
      const size = file.uploadSizeBytes!;
      if (head.sizeBytes !== size) {
        await this.users.settle(file.ownerId, { reserved: size }, manager);
        return { file: await this.items.rejectUpload(file.id, manager), status: 'rejected', garbage: [key] };
      }
      await this.users.settle(file.ownerId, { reserved: size, used: size - (file.sizeBytes ?? 0) }, manager);
      const confirmed = await this.items.confirmUpload(
        file.id,
        { sizeBytes: size, contentType: dto.content_type },
        manager,
      );
      const replaced = file.objectKey && file.objectKey !== key ? [file.objectKey] : [];
      return { file: confirmed, status: 'confirmed', garbage: replaced };
    });
    if (outcome.status === null) {
      if (!outcome.file) throw new AppError('file_not_found', 'There is no such file.');
      return this.answerSettled(outcome.file, key);
    }
    await this.storage.delete(outcome.garbage).catch((error: unknown) => {
      // Nothing is lost: the reconciler removes objects that no row points at.
      this.logger.warn(`Could not delete ${outcome.garbage.join(', ')}: ${String(error)}`);
    });
    return this.answer(outcome.file, outcome.status);
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
    return { file_id: file.id, status, size_in_bytes: file.sizeBytes, content_type: file.contentType };
  }
}
