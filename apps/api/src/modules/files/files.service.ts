import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { Item, ItemsRepository, UsersRepository } from '@app/db';
import { ObjectStorage, objectKeys, PresignedRequest } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { toProblem } from '../../common/errors/problem';
import { AppValidationPipe } from '../../common/validation/validation.pipe';
import { AccessService } from '../access/access.service';
import { extensionOf, ItemDto, keepName, splitName, toItemDto } from '../items';
import { DownloadDto } from './dto/download.dto';
import { RequestUploadDto } from './dto/request-upload.dto';
import { RequestUploadsDto } from './dto/request-uploads.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileUploadDto, UploadDto, UploadResultDto } from './dto/upload.dto';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** "Keep" picks a free name, then inserts; a concurrent upload may take it first, so it tries again. */
const KEEP_ATTEMPTS = 5;

@Injectable()
export class FilesService {
  private readonly validation = new AppValidationPipe();

  constructor(
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks everything before a byte moves (name, parent, size, quota, conflict), records the upload as
   * pending with its quota reserved, in one transaction, and answers with a presigned PUT.
   */
  async requestUpload(user: AuthenticatedUser, dto: RequestUploadDto): Promise<FileUploadDto> {
    const max = this.config.storage.maxUploadBytes;
    if (dto.file_size_in_bytes > max) {
      throw new AppError('file_too_large', `A single upload may be at most ${max} bytes.`, { max_size_in_bytes: max });
    }
    const contentType = dto.content_type ?? DEFAULT_CONTENT_TYPE;
    const attempts = dto.file_conflict === 'Keep' ? KEEP_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const file = await this.items.transaction((manager) => this.recordUpload(user, dto, contentType, manager));
        return { file: this.present(file, user), upload: await this.presignUpload(file) };
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'file_name_conflict')) throw error;
        if (!dto.file_conflict) throw await this.withConflictingFile(user.id, dto, error);
        if (attempt >= attempts) throw error;
      }
    }
  }

  /** Up to 100 uploads in one round trip: each validated, checked and answered on its own. */
  async requestUploads(user: AuthenticatedUser, dto: RequestUploadsDto): Promise<UploadResultDto[]> {
    const results: UploadResultDto[] = [];
    for (const [index, raw] of dto.files.entries()) {
      try {
        const item = (await this.validation.transform(raw, {
          type: 'body',
          metatype: RequestUploadDto,
        })) as RequestUploadDto;
        results.push({ index, status: 201, ...(await this.requestUpload(user, item)) });
      } catch (error) {
        const problem = toProblem(error);
        if (problem.status >= 500) throw error;
        results.push({ index, status: problem.status, error: problem });
      }
    }
    return results;
  }

  async download(user: AuthenticatedUser, fileId: string): Promise<DownloadDto> {
    const file = await this.access.requireFile(user.id, fileId, 'view');
    if (file.uploadStatus !== 'confirmed' || !file.objectKey) {
      throw new AppError('file_not_ready', 'The file’s bytes have not arrived yet.');
    }
    const download = await this.storage.presignDownload({
      key: file.objectKey,
      fileName: file.name,
      contentType: file.contentType ?? undefined,
      expiresInSeconds: this.config.storage.downloadUrlTtlSeconds,
    });
    return { url: download.url, expires_at: download.expiresAt, file: this.present(file, user) };
  }

  async updateFile(user: AuthenticatedUser, fileId: string, dto: UpdateFileDto): Promise<ItemDto> {
    if (dto.file_name === undefined && dto.parent_folder_id === undefined) {
      throw AppError.validation([{ field: 'body', message: 'must give file_name, parent_folder_id or both' }]);
    }
    const updated = await this.items.transaction(async (manager) => {
      await this.items.lockTree(user.id, manager);
      const file = await this.access.requireFile(user.id, fileId, 'edit', manager);
      const target = dto.parent_folder_id;
      if (target) await this.access.requireFolder(user.id, target, 'edit', manager);
      const result = await this.items.update(
        fileId,
        {
          name: dto.file_name,
          type: dto.file_name === undefined ? undefined : extensionOf(dto.file_name),
          parentFolderId: target,
        },
        'file_name_conflict',
        manager,
      );
      await this.items.touchFolders([file.parentFolderId, ...(target !== undefined ? [target] : [])], manager);
      return result;
    });
    return this.present(updated, user);
  }

  /** Puts the file in the trash. */
  async deleteFile(user: AuthenticatedUser, fileId: string): Promise<void> {
    await this.items.transaction(async (manager) => {
      await this.items.lockTree(user.id, manager);
      const file = await this.access.requireFile(user.id, fileId, 'edit', manager);
      await this.items.trash(fileId, manager);
      await this.items.touchFolders([file.parentFolderId], manager);
    });
  }

  private async recordUpload(
    user: AuthenticatedUser,
    dto: RequestUploadDto,
    contentType: string,
    manager: EntityManager,
  ): Promise<Item> {
    const parentFolderId = dto.parent_folder_id ?? null;
    if (parentFolderId) {
      // A folder being deleted concurrently must not gain a live child.
      await this.items.lockTree(user.id, manager);
      await this.access.requireFolder(user.id, parentFolderId, 'edit', manager);
    }
    const ownerId = user.id;
    const upload = {
      sizeBytes: dto.file_size_in_bytes,
      contentType,
      expiresAt: new Date(Date.now() + this.config.storage.uploadUrlTtlSeconds * 1000),
    };
    if (!(await this.users.reserve(ownerId, upload.sizeBytes, manager))) {
      throw new AppError('quota_exceeded', 'This upload does not fit in the storage that is left.');
    }

    let name = dto.file_name;
    const existing = dto.file_conflict
      ? await this.items.findLiveSibling(ownerId, parentFolderId, name, manager)
      : null;
    if (existing && dto.file_conflict === 'Replace') {
      if (existing.kind !== 'file') {
        throw new AppError('file_name_conflict', `A folder named "${existing.name}" is there; it cannot be replaced.`, {
          conflicting_folder_id: existing.id,
        });
      }
      // A replacement superseded by this one gives its reservation back.
      if (existing.uploadSizeBytes !== null)
        await this.users.settle(ownerId, { reserved: existing.uploadSizeBytes }, manager);
      const uploadKey = objectKeys.file(ownerId, existing.id, randomUUID());
      return this.items.setPendingUpload(existing.id, { ...upload, uploadKey }, manager);
    }
    if (existing && dto.file_conflict === 'Keep') {
      const { stem, extension } = splitName(name);
      name = keepName(name, await this.items.numberedSiblingNames(ownerId, parentFolderId, stem, extension, manager));
    }

    const id = randomUUID();
    const file = await this.items.insertPendingFile(
      {
        id,
        ownerId,
        parentFolderId,
        name,
        type: extensionOf(name),
        uploadKey: objectKeys.file(ownerId, id),
        ...upload,
      },
      manager,
    );
    await this.items.touchFolders([parentFolderId], manager);
    return file;
  }

  /** The conflict, naming the item that holds the name (looked up once the failed transaction is over). */
  private async withConflictingFile(ownerId: string, dto: RequestUploadDto, conflict: AppError): Promise<AppError> {
    const holder = await this.items.findLiveSibling(ownerId, dto.parent_folder_id ?? null, dto.file_name);
    return new AppError(conflict.code, conflict.detail, { conflicting_file_id: holder?.id ?? null });
  }

  private async presignUpload(file: Item): Promise<UploadDto> {
    const request: PresignedRequest = await this.storage.presignUpload({
      key: file.uploadKey!,
      sizeBytes: file.uploadSizeBytes!,
      contentType: file.uploadContentType!,
      expiresInSeconds: this.config.storage.uploadUrlTtlSeconds,
    });
    return { method: 'PUT', url: request.url, headers: request.headers, expires_at: request.expiresAt };
  }

  private present(file: Item, user: AuthenticatedUser): ItemDto {
    return toItemDto(file, { id: file.ownerId, username: user.username }, 'owner');
  }
}
