import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { Item, ItemsRepository, QuotaRepository, Transactions, TrashRepository, UploadsRepository } from '@app/db';
import { MAX_PRESIGN_SECONDS, ObjectStorage, objectKeys } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { itemProblem } from '../../common/errors/problem';
import { AppValidationPipe } from '../../common/validation/validation.pipe';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import {
  extensionOf,
  fileNotReady,
  ItemDto,
  ItemView,
  keepName,
  pinnedDownload,
  presentItem,
  splitName,
  toUploadDto,
  UploadDto,
} from '../items';
import { DownloadDto } from './dto/download.dto';
import { PreviewDto, PreviewPendingDto } from './dto/preview.dto';
import { RequestUploadDto } from './dto/request-upload.dto';
import { RequestUploadsDto } from './dto/request-uploads.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileUploadDto, UploadResultDto } from './dto/upload.dto';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** One item's failure in a batch: the status it alone would have had, and its problem document. */
function failure(index: number, error: unknown): UploadResultDto {
  const problem = itemProblem(error);
  return { index, status: problem.status, error: problem };
}
/**
 * How a preview's URL is signed at `now`: dated at the start of the window `now` is in, so that every request in the
 * window gets the same URL, and living the window plus the download TTL, so that one handed out at the window's end
 * still has the TTL ahead of it. The object at a preview key never changes (a new content has a new key), so the
 * browser may keep what the URL served for as long as the URL lives, without asking again.
 */
export function previewUrl(
  { downloadUrlTtlSeconds: ttl, previewUrlWindowSeconds: window }: AppConfig['storage'],
  now: number,
): { signedAt?: Date; expiresInSeconds: number; cacheControl: string } {
  const lifetime = Math.min(window + ttl, MAX_PRESIGN_SECONDS);
  const signedAt = window > 0 ? new Date(Math.floor(now / (window * 1000)) * window * 1000) : undefined;
  return { signedAt, expiresInSeconds: lifetime, cacheControl: `private, max-age=${lifetime}, immutable` };
}

/** "Keep" picks a free name, then inserts; a concurrent upload may take it first, so it tries again. */
const KEEP_ATTEMPTS = 5;

@Injectable()
export class FilesService {
  private readonly validation = new AppValidationPipe();

  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly uploads: UploadsRepository,
    private readonly trash: TrashRepository,
    private readonly quota: QuotaRepository,
    private readonly access: AccessService,
    private readonly changes: ChangeLog,
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
        const file = await this.transactions.run(() => this.recordUpload(user, dto, contentType));
        return { file: presentItem(file), upload: await this.presignUpload(file.item) };
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'file_name_conflict')) throw error;
        if (!dto.file_conflict) throw await this.withConflictingFile(user, dto, error);
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

    const { accepted, conflicts } = await this.transactions.run(async () => {
      const folderIds = parents.filter((parent): parent is string => parent !== null);
      if (folderIds.length > 0) await this.items.lockTreesOf(folderIds);
      const folders = await this.access.folders(user.id, folderIds, 'edit');
      const self = { id: user.id, username: user.username };
      // Where each file goes, as the caller sees it: the folder's owner owns the file and pays for it.
      const placeOf = (parent: string | null) => (parent === null ? null : folders.get(parent)!);
      const placed = fitting.filter(({ index, item }) => {
        const place = placeOf(item.parent_folder_id ?? null);
        if (!(place instanceof AppError)) return true;
        results[index] = failure(index, place);
        return false;
      });
      const planned = placed.map(({ index, item }) => {
        const place = placeOf(item.parent_folder_id ?? null) as ItemView | null;
        const owner = place?.owner ?? self;
        const id = randomUUID();
        const file = {
          id,
          ownerId: owner.id,
          parentFolderId: item.parent_folder_id ?? null,
          name: item.file_name,
          type: extensionOf(item.file_name),
          contentType: item.content_type ?? DEFAULT_CONTENT_TYPE,
          uploadKey: objectKeys.file(owner.id, id),
          sizeBytes: item.file_size_in_bytes,
          expiresAt,
          requestedBy: user.id,
        };
        return { index, item, file, view: { owner, permission: place?.permission ?? 'owner', parentVisible: true } };
      });
      const inserted = new Map(
        (await this.uploads.insertPendingFiles(planned.map((p) => p.file))).map((f) => [f.id, f]),
      );
      // Quota is granted in the request's order, as if the files came one by one: the quota is checked before the
      // name (a taken name that would not fit either is a 507), and a file refused for quota lets go of its name at
      // once, so a later file of the batch that was skipped for it is inserted after all. Each owner's quota is
      // locked in one order (their ids') so that two batches never wait for each other.
      const available = new Map<string, number>();
      for (const ownerId of [...new Set(planned.map((p) => p.file.ownerId))].sort()) {
        available.set(ownerId, await this.quota.lockAvailable(ownerId));
      }
      const granted: { index: number; file: ItemView }[] = [];
      const taken: typeof planned = [];
      for (const plan of planned) {
        const { index, file } = plan;
        let row = inserted.get(file.id);
        if (file.sizeBytes > available.get(file.ownerId)!) {
          if (row) await this.uploads.deleteRows([file.id]);
          results[index] = failure(
            index,
            new AppError('quota_exceeded', 'This upload does not fit in the storage that is left.'),
          );
          continue;
        }
        row ??= (await this.uploads.insertPendingFiles([file]))[0];
        if (!row) {
          taken.push(plan);
          continue;
        }
        available.set(file.ownerId, available.get(file.ownerId)! - file.sizeBytes);
        granted.push({ index, file: { ...plan.view, item: row } });
      }
      const reservedBy = new Map<string, number>();
      for (const { file } of granted) {
        reservedBy.set(file.owner.id, (reservedBy.get(file.owner.id) ?? 0) + file.item.uploadSizeBytes!);
      }
      for (const [ownerId, reserved] of reservedBy) {
        // Fits: each owner's row is locked, and the batch was checked against what was available.
        if (!(await this.quota.reserve(ownerId, reserved))) throw new Error('A locked quota changed under a batch');
      }
      if (granted.length > 0) await this.items.touchFolders(parents);
      await this.changes.unheard(granted.map(({ file }) => file.item.id));
      return { accepted: granted, conflicts: taken };
    });

    for (const { index, item } of conflicts) {
      results[index] = failure(
        index,
        await this.withConflictingFile(
          user,
          item,
          new AppError('file_name_conflict', `A file or folder named "${item.file_name}" already exists there.`),
        ),
      );
    }
    await Promise.all(
      accepted.map(async ({ index, file }) => {
        results[index] = { index, status: 201, file: presentItem(file), upload: await this.presignUpload(file.item) };
      }),
    );
  }

  async download(user: AuthenticatedUser, fileId: string): Promise<DownloadDto> {
    const view = await this.access.file(user.id, fileId, 'view');
    const file = view.item;
    if (file.uploadStatus !== 'confirmed' || !file.objectKey) {
      throw fileNotReady();
    }
    const download = await this.storage.presignDownload(
      pinnedDownload(file.name, { ...file, objectKey: file.objectKey }, this.config.storage.downloadUrlTtlSeconds),
    );
    return { url: download.url, expires_at: download.expiresAt, file: presentItem(view) };
  }

  /**
   * The file's preview: ready (a presigned GET), still to come (pending: the bytes are on their way or the
   * workers are making it), or not available, now or later (not an image, or one that did not decode). The URL is
   * the same all through a window (see previewUrl), and changes with the preview.
   */
  async preview(user: AuthenticatedUser, fileId: string): Promise<PreviewDto | PreviewPendingDto> {
    const file = (await this.access.file(user.id, fileId, 'view')).item;
    if (file.uploadStatus === 'pending' || file.previewStatus === 'pending') return { status: 'pending' };
    if (file.previewStatus !== 'ready' || !file.previewKey) {
      throw new AppError('preview_not_available', 'This file has no preview, and will have none.');
    }
    const download = await this.storage.presignDownload({
      key: file.previewKey,
      fileName: `${splitName(file.name).stem}-preview`,
      ...previewUrl(this.config.storage, Date.now()),
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
    const updated = await this.transactions.run(async () => {
      await this.items.lockTreesOf([fileId]);
      const file = await this.access.file(user.id, fileId, 'edit');
      const target = dto.parent_folder_id;
      const destination = target === undefined ? undefined : await this.access.moveTarget(user.id, file, target);
      const logChange = await this.changes.updating(fileId, target !== undefined);
      const item = await this.items.update(
        fileId,
        {
          name: dto.file_name,
          type: dto.file_name === undefined ? undefined : extensionOf(dto.file_name),
          parentFolderId: target,
        },
        'file_name_conflict',
      );
      await this.items.touchFolders([file.item.parentFolderId, ...(target !== undefined ? [target] : [])]);
      await logChange();
      // Moved, it sits in a folder the caller may edit, so sees; renamed only, where it was.
      return { ...file, item, parentVisible: destination ? true : file.parentVisible };
    });
    return presentItem(updated);
  }

  /**
   * Puts the file in its owner's trash. A file whose first upload never completed (awaited, or refused) has nothing
   * to keep: it goes at once, with its name and its reserved quota, and any bytes that did arrive.
   */
  async deleteFile(user: AuthenticatedUser, fileId: string): Promise<void> {
    const cancelled = await this.transactions.run(async () => {
      await this.items.lockTreesOf([fileId]);
      const file = await this.access.requireFileOrFailedUpload(user.id, fileId, 'edit');
      await this.items.touchFolders([file.parentFolderId]);
      if (file.objectKey !== null) {
        await this.trash.trash(fileId);
        await this.changes.items('item_trashed', [fileId]);
        return null;
      }
      // An upload that never came goes with its name and its reservation.
      await this.changes.unheard([file.id]);
      if (file.uploadKey === null) {
        await this.uploads.deleteRows([file.id]);
        return null;
      }
      const released = await this.uploads.forgetUpload(file.id, file.uploadKey);
      if (released) await this.quota.release(released.ownerId, released.reserved);
      return file.uploadKey;
    });
    // Bytes already sent: removed now, or by the reconciler (no row points at them) if this fails.
    if (cancelled) await this.storage.delete([cancelled]).catch(() => undefined);
  }

  private async recordUpload(user: AuthenticatedUser, dto: RequestUploadDto, contentType: string): Promise<ItemView> {
    const parentFolderId = dto.parent_folder_id ?? null;
    let place: ItemView | null = null;
    if (parentFolderId) {
      // A folder being deleted concurrently must not gain a live child.
      await this.items.lockTreesOf([parentFolderId]);
      place = await this.access.folder(user.id, parentFolderId, 'edit');
    }
    // The folder's owner owns the file and its bytes count against their quota, whoever uploads it.
    const owner = place?.owner ?? { id: user.id, username: user.username };
    const asSeen = (item: Item): ItemView => ({
      item,
      owner,
      permission: place?.permission ?? 'owner',
      parentVisible: true,
    });
    const ownerId = owner.id;
    const upload = {
      sizeBytes: dto.file_size_in_bytes,
      contentType,
      expiresAt: new Date(Date.now() + this.config.storage.uploadUrlTtlSeconds * 1000),
      requestedBy: user.id,
    };
    if (!(await this.quota.reserve(ownerId, upload.sizeBytes))) {
      throw new AppError('quota_exceeded', 'This upload does not fit in the storage that is left.');
    }

    let name = dto.file_name;
    const existing = dto.file_conflict ? await this.items.findLiveSibling(ownerId, parentFolderId, name) : null;
    if (existing && dto.file_conflict === 'Replace') {
      if (existing.kind !== 'file') {
        throw new AppError('file_name_conflict', `A folder named "${existing.name}" is there; it cannot be replaced.`, {
          conflicting_folder_id: existing.id,
        });
      }
      // A replacement superseded by this one gives its reservation back.
      if (existing.uploadSizeBytes !== null) await this.quota.release(ownerId, existing.uploadSizeBytes);
      const uploadKey = objectKeys.file(ownerId, existing.id, randomUUID());
      await this.changes.unheard([existing.id]);
      return asSeen(await this.uploads.setPendingUpload(existing.id, { ...upload, uploadKey }));
    }
    if (existing && dto.file_conflict === 'Keep') {
      const { stem, extension } = splitName(name);
      name = keepName(name, await this.items.numberedSiblingNames(ownerId, parentFolderId, stem, extension));
    }

    const id = randomUUID();
    const file = await this.uploads.insertPendingFile({
      id,
      ownerId,
      parentFolderId,
      name,
      type: extensionOf(name),
      uploadKey: objectKeys.file(ownerId, id),
      ...upload,
    });
    await this.items.touchFolders([parentFolderId]);
    await this.changes.unheard([file.id]);
    return asSeen(file);
  }

  /** The conflict, naming the item that holds the name (looked up once the failed transaction is over). */
  private async withConflictingFile(
    user: AuthenticatedUser,
    dto: RequestUploadDto,
    conflict: AppError,
  ): Promise<AppError> {
    const parentFolderId = dto.parent_folder_id ?? null;
    // The names of a folder are its owner's; the conflict was found in a folder the caller may edit.
    const ownerId = parentFolderId ? (await this.access.folder(user.id, parentFolderId, 'edit')).owner.id : user.id;
    const holder = await this.items.findLiveSibling(ownerId, parentFolderId, dto.file_name);
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
}
