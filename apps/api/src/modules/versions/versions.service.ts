import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import {
  FileVersion,
  ItemsRepository,
  ListedVersion,
  QuotaRepository,
  Transactions,
  VersionsRepository,
  versionObjects,
} from '@app/db';
import { ObjectStorage } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Cache } from '../../common/cache/cache';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import { fileNotReady, ItemDto, pinnedDownload, presentItem } from '../items';
import { FileVersionDto, FileVersionsDto, VersionDownloadDto } from './dto/versions.dto';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A file's earlier contents: listed and downloaded by whoever may view the file (a share covers every version),
 * restored and deleted by whoever may edit it. Their bytes count against the owner's quota until they go: deleted
 * here, dropped by the retention (`VERSIONS_MAX_COUNT`, `VERSIONS_MAX_DAYS`, the reconciler's), or purged with the file.
 */
@Injectable()
export class VersionsService {
  private readonly logger = new Logger(VersionsService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly versions: VersionsRepository,
    private readonly quota: QuotaRepository,
    private readonly access: AccessService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangeLog,
    private readonly cache: Cache,
  ) {}

  async list(user: AuthenticatedUser, fileId: string): Promise<FileVersionsDto> {
    const view = await this.access.file(user.id, fileId, 'view');
    const file = view.item;
    if (file.uploadStatus !== 'confirmed') throw fileNotReady();
    const [versions, uploaderName] = await Promise.all([
      this.versions.list(fileId),
      this.versions.currentUploaderName(fileId),
    ]);
    return {
      file: presentItem(view),
      current: {
        size_in_bytes: file.sizeBytes!,
        content_type: file.contentType,
        uploaded_by:
          file.objectUploadedBy && uploaderName ? { id: file.objectUploadedBy, username: uploaderName } : null,
        current_since: file.objectConfirmedAt,
      },
      versions: versions.map(toVersionDto),
    };
  }

  async download(user: AuthenticatedUser, fileId: string, versionId: string): Promise<VersionDownloadDto> {
    const file = (await this.access.file(user.id, fileId, 'view')).item;
    const version = await this.versions.find(fileId, versionId);
    if (!version) throw versionNotFound();
    const download = await this.storage.presignDownload(
      pinnedDownload(file.name, version, this.config.storage.downloadUrlTtlSeconds),
    );
    return { url: download.url, expires_at: download.expiresAt, version: toVersionDto(version) };
  }

  /**
   * The version becomes the file's content and the content it replaces a version (history kept); the quota does
   * not move (both are still stored). Each takes its preview along: the restored content shows its own at once
   * (or once the workers finish it, if they were still making it), the content replaced keeps its own as a version.
   */
  async restore(user: AuthenticatedUser, fileId: string, versionId: string): Promise<ItemDto> {
    const restored = await this.transactions.run(async () => {
      await this.items.lockTreesOf([fileId]);
      const view = await this.access.file(user.id, fileId, 'edit');
      await this.items.lock(fileId);
      const item = await this.versions.restore(fileId, versionId);
      if (!item) throw versionNotFound();
      await this.changes.items('version_restored', [fileId]);
      return { ...view, item };
    });
    return presentItem(restored);
  }

  /** The version goes for good: its bytes are freed from the owner's quota and deleted from storage, with its preview. */
  async remove(user: AuthenticatedUser, fileId: string, versionId: string): Promise<void> {
    const removed = await this.transactions.run(async () => {
      await this.access.file(user.id, fileId, 'edit');
      const version = await this.versions.remove(fileId, versionId);
      if (!version) throw versionNotFound();
      await this.quota.free(version.ownerId, version.sizeBytes);
      await this.cache.changed([version.ownerId]); // their quota figures
      return version;
    });
    await this.deleteObjects(versionObjects([removed]));
  }

  /**
   * Drops the versions beyond the retention (the reconciler's step): their quota freed, their objects deleted.
   * Answers how many went. Safe on several replicas at once (each version is deleted once).
   */
  async dropExpired(limit: number, now = new Date()): Promise<number> {
    const { versionsMaxCount, versionsMaxDays } = this.config.drive;
    const dropped = await this.transactions.run(async () => {
      const versions = await this.versions.removeBeyondRetention(
        {
          maxCount: versionsMaxCount,
          replacedBefore: versionsMaxDays > 0 ? new Date(now.getTime() - versionsMaxDays * DAY_MS) : null,
        },
        limit,
      );
      for (const [ownerId, bytes] of bytesByOwner(versions)) await this.quota.free(ownerId, bytes);
      await this.cache.changed(bytesByOwner(versions).keys());
      return versions;
    });
    await this.deleteObjects(versionObjects(dropped));
    return dropped.length;
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.storage.delete(keys).catch((error: unknown) => {
      // Nothing is lost: the reconciler removes objects that no row points at.
      this.logger.warn(`Could not delete ${keys.join(', ')}: ${String(error)}`);
    });
  }
}

function toVersionDto(version: ListedVersion): FileVersionDto {
  return {
    version_id: version.id,
    size_in_bytes: version.sizeBytes,
    content_type: version.contentType,
    uploaded_by:
      version.uploadedBy && version.uploaderName ? { id: version.uploadedBy, username: version.uploaderName } : null,
    current_since: version.confirmedAt,
    replaced_at: version.replacedAt,
  };
}

function bytesByOwner(versions: FileVersion[]): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const version of versions) bytes.set(version.ownerId, (bytes.get(version.ownerId) ?? 0) + version.sizeBytes);
  return bytes;
}

const versionNotFound = () => new AppError('version_not_found', 'This file has no such version.');
