import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { Item, ItemsRepository, UsersRepository } from '@app/db';
import { ObjectStorage, objectKeys } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { toProblem } from '../../common/errors/problem';
import { AppValidationPipe } from '../../common/validation/validation.pipe';
import { AccessService } from '../access/access.service';
import { extensionOf, ItemDto, keepName, splitName, toItemDto, toUploadDto, UploadDto } from '../items';
import { DownloadDto } from './dto/download.dto';
import { PreviewDto, PreviewPendingDto } from './dto/preview.dto';
import { RequestUploadDto } from './dto/request-upload.dto';
import { RequestUploadsDto } from './dto/request-uploads.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileUploadDto, UploadResultDto } from './dto/upload.dto';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** One item's failure in a batch: the status it alone would have had, and its problem document. */
function failure(index: number, error: unknown): UploadResultDto {
  // Ours (even a 507) belong to the item; anything unexpected fails the request as a whole.
  if (!(error instanceof AppError)) throw error;
  const problem = toProblem(error);
  return { index, status: problem.status, error: problem };
}
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

  /**
   * Up to 100 uploads in one round trip, each validated, checked and answered on its own, in order. Plain
   * uploads (no conflict mode) are recorded together: one transaction, one INSERT that skips taken names,
   * quota granted in the request's order; `Keep` and `Replace` go one by one.
   */
  async requestUploads(user: AuthenticatedUser, dto: RequestUploadsDto): Promise<UploadResultDto[]> {
    const results: UploadResultDto[] = [];
    const plain: { index: number; item: RequestUploadDto }[] = [];
    const oneByOne: { index: number; item: RequestUploadDto }[] = [];
    for (const [index, raw] of dto.files.entries()) {
      try {
        const item = (await this.validation.transform(raw, {
          type: 'body',
          metatype: RequestUploadDto,
        })) as RequestUploadDto;
        (item.file_conflict ? oneByOne : plain).push({ index, item });
      } catch (error) {
        results[index] = failure(index, error);
      }
    }
    await this.recordPlainUploads(user, plain, results);
    for (const { index, item } of oneByOne) {
      try {
        results[index] = { index, status: 201, ...(await this.requestUpload(user, item)) };
      } catch (error) {
        results[index] = failure(index, error);
      }
    }
    return results;
  }

  private async recordPlainUploads(
    user: AuthenticatedUser,
    requests: { index: number; item: RequestUploadDto }[],
    results: UploadResultDto[],
  ): Promise<void> {
    const max = this.config.storage.maxUploadBytes;
    const fitting = requests.filter(({ index, item }) => {
      if (item.file_size_in_bytes <= max) return true;
      results[index] = failure(index, new AppError('file_too_large', `A single upload may be at most ${max} bytes.`));
      return false;
    });
    if (fitting.length === 0) return;
    const expiresAt = new Date(Date.now() + this.config.storage.uploadUrlTtlSeconds * 1000);
    const parents = [...new Set(fitting.map(({ item }) => item.parent_folder_id ?? null))];

    const { accepted, conflicts } = await this.items.transaction(async (manager) => {
      if (parents.some((parent) => parent !== null)) await this.items.lockTree(user.id, manager);
      const missing = new Set<string | null>();
      for (const parent of parents) {
        if (parent && !(await this.access.mayAddTo(user.id, parent, manager))) missing.add(parent);
      }
      const placed = fitting.filter(({ index, item }) => {
        if (!missing.has(item.parent_folder_id ?? null)) return true;
        results[index] = failure(index, new AppError('folder_not_found', 'There is no such folder.'));
        return false;
      });
      const planned = placed.map(({ index, item }) => {
        const id = randomUUID();
        const file = {
          id,
          ownerId: user.id,
          parentFolderId: item.parent_folder_id ?? null,
          name: item.file_name,
          type: extensionOf(item.file_name),
          contentType: item.content_type ?? DEFAULT_CONTENT_TYPE,
          uploadKey: objectKeys.file(user.id, id),
          sizeBytes: item.file_size_in_bytes,
          expiresAt,
        };
        return { index, item, file };
      });
      const inserted = new Map(
        (
          await this.items.insertPendingFiles(
            planned.map((p) => p.file),
            manager,
          )
        ).map((f) => [f.id, f]),
      );
      // Quota is granted in the request's order, as if the files came one by one: the quota is checked before the
      // name (a taken name that would not fit either is a 507), and a file refused for quota lets go of its name at
      // once, so a later file of the batch that was skipped for it is inserted after all.
      let available = await this.users.lockAvailable(user.id, manager);
      const granted: { index: number; file: Item }[] = [];
      const taken: typeof planned = [];
      for (const plan of planned) {
        const { index, file } = plan;
        let row = inserted.get(file.id);
        if (file.sizeBytes > available) {
          if (row) await this.items.deleteRows([file.id], manager);
          results[index] = failure(
            index,
            new AppError('quota_exceeded', 'This upload does not fit in the storage that is left.'),
          );
          continue;
        }
        row ??= (await this.items.insertPendingFiles([file], manager))[0];
        if (!row) {
          taken.push(plan);
          continue;
        }
        available -= file.sizeBytes;
        granted.push({ index, file: row });
      }
      const reserved = granted.reduce((sum, { file }) => sum + file.uploadSizeBytes!, 0);
      if (reserved > 0) await this.users.settle(user.id, { reserved: -reserved }, manager);
      if (granted.length > 0) await this.items.touchFolders(parents, manager);
      return { accepted: granted, conflicts: taken };
    });

    for (const { index, item } of conflicts) {
      results[index] = failure(
        index,
        await this.withConflictingFile(
          user.id,
          item,
          new AppError('file_name_conflict', `A file or folder named "${item.file_name}" already exists there.`),
        ),
      );
    }
    await Promise.all(
      accepted.map(async ({ index, file }) => {
        results[index] = { index, status: 201, file: this.present(file, user), upload: await this.presignUpload(file) };
      }),
    );
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

  /**
   * The file's preview: ready (a presigned GET), still to come (pending: the bytes are on their way or the
   * workers are making it), or not available, now or later (not an image, or one that did not decode).
   */
  async preview(user: AuthenticatedUser, fileId: string): Promise<PreviewDto | PreviewPendingDto> {
    const file = await this.access.requireFile(user.id, fileId, 'view');
    if (file.uploadStatus === 'pending' || file.previewStatus === 'pending') return { status: 'pending' };
    if (file.previewStatus !== 'ready') {
      throw new AppError('preview_not_available', 'This file has no preview, and will have none.');
    }
    const download = await this.storage.presignDownload({
      key: objectKeys.preview(file.ownerId, file.id),
      fileName: `${splitName(file.name).stem}-preview`,
      expiresInSeconds: this.config.storage.downloadUrlTtlSeconds,
    });
    return {
      url: download.url,
      expires_at: download.expiresAt,
      width: file.previewWidth!,
      height: file.previewHeight!,
    };
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
    const request = await this.storage.presignUpload({
      key: file.uploadKey!,
      sizeBytes: file.uploadSizeBytes!,
      contentType: file.uploadContentType!,
      expiresInSeconds: this.config.storage.uploadUrlTtlSeconds,
    });
    return toUploadDto(request);
  }

  private present(file: Item, user: AuthenticatedUser): ItemDto {
    return toItemDto(file, { id: file.ownerId, username: user.username }, 'owner');
  }
}
