import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import {
  ItemsRepository,
  PurgedItem,
  QuotaRepository,
  Transactions,
  TrashRepository,
  VersionsRepository,
  versionObjects,
} from '@app/db';
import { ObjectStorage } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { isUuid } from '../../common/validation/id-param';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import {
  encodePageCursor,
  invalidCursor,
  isPgTimestamp,
  ItemDto,
  keepName,
  readPageCursor,
  splitName,
  toItemDto,
} from '../items';
import { TrashPageDto, TrashQueryDto } from './dto/trash.dto';

const DAY_MS = 24 * 3600 * 1000;

@Injectable()
export class TrashService {
  private readonly logger = new Logger(TrashService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly trash: TrashRepository,
    private readonly quota: QuotaRepository,
    private readonly versions: VersionsRepository,
    private readonly storage: ObjectStorage,
    private readonly access: AccessService,
    private readonly changes: ChangeLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async listTrash(user: AuthenticatedUser, query: TrashQueryDto): Promise<TrashPageDto> {
    const after = query.cursor ? decodeTrashCursor(query.cursor) : undefined;
    const page = await this.trash.listTrash(user.id, query.limit, after);
    const retention = this.config.drive.trashRetentionDays * DAY_MS;
    return {
      items: page.items.map((item) => ({
        ...toItemDto(item, { id: user.id, username: user.username }, 'owner'),
        deleted_at: item.deletedAt!,
        purge_at: new Date(item.deletedAt!.getTime() + retention),
      })),
      next_cursor: page.next ? encodePageCursor(page.next) : null,
    };
  }

  /** Back where it was (at the root if that folder is gone), under a free name if its own is taken. */
  async restore(user: AuthenticatedUser, itemId: string): Promise<ItemDto> {
    const restored = await this.transactions.run(async () => {
      // Locked before looking: a restore or purge of the same entry that ran meanwhile is seen as done.
      await this.items.lockTree(user.id);
      const root = await this.access.trashEntry(user.id, itemId);
      const parent = root.parentFolderId ? await this.items.findLive(root.parentFolderId) : null;
      const parentFolderId = parent?.kind === 'folder' ? parent.id : null;
      let name = root.name;
      if (await this.items.findLiveSibling(root.ownerId, parentFolderId, name)) {
        const { stem, extension } = splitName(name);
        name = keepName(name, await this.items.numberedSiblingNames(root.ownerId, parentFolderId, stem, extension));
      }
      const item = await this.trash.restore(root.id, { parentFolderId, name });
      await this.items.touchFolders([parentFolderId]);
      await this.changes.items('item_restored', [item.id]);
      return item;
    });
    return toItemDto(restored, { id: user.id, username: user.username }, 'owner');
  }

  async purgeItem(user: AuthenticatedUser, itemId: string): Promise<void> {
    const root = await this.access.trashEntry(user.id, itemId);
    // Restored or purged by another request since it was found: not in the trash after all.
    if (!(await this.purge(root.id))) throw notInTrash();
  }

  async emptyTrash(user: AuthenticatedUser): Promise<void> {
    for (const id of await this.trash.trashRootsOf(user.id)) await this.purge(id);
  }

  /** Entries older than the retention at `now`, purged; answers how many. Safe to run on several replicas at once. */
  async purgeExpired(limit = 100, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.drive.trashRetentionDays * DAY_MS);
    const roots = await this.trash.trashRootsBefore(cutoff, limit);
    for (const id of roots) await this.purge(id);
    return roots.length;
  }

  /**
   * Gone for good: the rows and their quota in one transaction, then the objects (bytes, pending uploads,
   * previews). A purge that finds nothing (another replica was first) does nothing, and answers false.
   */
  private async purge(rootId: string): Promise<boolean> {
    const purged = await this.transactions.run(async () => {
      // One at a time with restores of the owner's tree (see restore), which then find nothing left to do.
      const root = await this.trash.findTrashRoot(rootId);
      if (!root) return { rows: [], versionKeys: [] };
      await this.items.lockTree(root.ownerId);
      // Told before its rows go (the change keeps its name); the trash is its owner's alone.
      await this.changes.item('item_purged', rootId, [root.ownerId]);
      // The files' versions go with them, before their rows (which they refer to).
      const versions = await this.versions.removeOfTrashEntry(rootId);
      const rows = await this.trash.purge(rootId);
      const freed = sumBytes(rows);
      if (rows.length > 0) {
        const versionBytes = versions.reduce((total, version) => total + version.sizeBytes, 0);
        await this.quota.free(rows[0].ownerId, freed.used + versionBytes);
        await this.quota.release(rows[0].ownerId, freed.reserved);
      }
      return { rows, versionKeys: versionObjects(versions) };
    });
    const keys = purged.rows.flatMap((row) =>
      row.kind === 'file' ? [row.objectKey, row.uploadKey, row.previewKey].filter((key): key is string => !!key) : [],
    );
    keys.push(...purged.versionKeys);
    await this.storage.delete(keys).catch((error: unknown) => {
      // The reconciler removes objects that no row points at; nothing is lost by leaving it to it.
      this.logger.warn(`Could not delete the objects of a purged item: ${String(error)}`);
    });
    return purged.rows.length > 0;
  }
}

function sumBytes(rows: PurgedItem[]): { used: number; reserved: number } {
  return rows.reduce(
    (total, row) => ({
      used: total.used + (row.uploadStatus === 'confirmed' ? (row.sizeBytes ?? 0) : 0),
      reserved: total.reserved + (row.uploadKey ? (row.uploadSizeBytes ?? 0) : 0),
    }),
    { used: 0, reserved: 0 },
  );
}

const notInTrash = () => new AppError('trash_item_not_found', 'There is no such item in the trash.');

function decodeTrashCursor(text: string): { deletedAt: string; id: string } {
  const value = readPageCursor(text) as { deletedAt?: unknown; id?: unknown } | null | undefined;
  if (isPgTimestamp(value?.deletedAt) && isUuid(value?.id)) return { deletedAt: value.deletedAt, id: value.id };
  throw invalidCursor();
}
