import { Injectable } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { ItemsRepository, Transactions, TrashRepository, UploadsRepository, UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { Cache } from '../../common/cache/cache';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import { ItemDto, presentItem, storageFigures, toItemDto, toUnconfirmedFileDto } from '../items';
import { CreateFolderDto } from './dto/create-folder.dto';
import { ListingQueryDto } from './dto/listing-query.dto';
import { DriveUserDto, ListingDto } from './dto/listing.dto';
import { UpdateFolderDto } from './dto/update-folder.dto';
import { decodeCursor, encodeCursor } from './listing-cursor';

/** Unconfirmed files listed beside a folder's first page: a batch is at most 100, so this is many batches. */
const MAX_UPLOADS_LISTED = 1000;

@Injectable()
export class FoldersService {
  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly uploads: UploadsRepository,
    private readonly trash: TrashRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly changes: ChangeLog,
    private readonly cache: Cache,
  ) {}

  /** At the caller's root, or in a folder they may edit (the folder's owner owns what is made in it). */
  async createFolder(user: AuthenticatedUser, dto: CreateFolderDto): Promise<ItemDto> {
    const parentFolderId = dto.parent_folder_id ?? null;
    const created = await this.transactions.run(async () => {
      if (parentFolderId) await this.items.lockTreesOf([parentFolderId]);
      else await this.items.lockTree(user.id);
      const parent = parentFolderId ? await this.access.folder(user.id, parentFolderId, 'edit') : null;
      const owner = parent?.owner ?? { id: user.id, username: user.username };
      const folder = await this.items.insertFolder({ ownerId: owner.id, parentFolderId, name: dto.folder_name });
      await this.items.touchFolders([parentFolderId]);
      await this.changes.items('item_created', [folder.id]);
      return { item: folder, owner, permission: parent?.permission ?? 'owner', parentVisible: true };
    });
    return presentItem(created);
  }

  /**
   * The root (folderId null) or a folder the caller may see: its items a page at a time with the caller's
   * permission on each, the part of its path they may see, and at the root their quota.
   */
  async listFolder(user: AuthenticatedUser, folderId: string | null, query: ListingQueryDto): Promise<ListingDto> {
    const { sort_by, order, limit, cursor } = query;
    return this.cache.remember(
      user.id,
      `listing:${folderId ?? 'root'}:${sort_by}:${order}:${limit}:${cursor ?? ''}`,
      () => this.readFolder(user, folderId, query),
      // An upload shown as on its way is shown as failed once its URL expires: kept no longer than that.
      (listing) =>
        earliest(listing.uploads.filter((u) => u.upload_status === 'uploading').map((u) => u.upload_expires_at)),
    );
  }

  private async readFolder(
    user: AuthenticatedUser,
    folderId: string | null,
    query: ListingQueryDto,
  ): Promise<ListingDto> {
    const folder = folderId ? await this.access.folder(user.id, folderId, 'view') : null;
    const after = query.cursor ? decodeCursor(query.cursor, query.sort_by, query.order) : undefined;
    const ownerId = folder?.owner.id ?? user.id;
    // Uploads in flight are shown to those who could make or cancel them: the folder's owner and editors.
    const showUploads = !after && (folder?.permission ?? 'owner') !== 'view';
    const [page, path, figures, unconfirmed] = await Promise.all([
      this.items.list({
        ownerId,
        parentFolderId: folderId,
        sortBy: query.sort_by,
        order: query.order,
        limit: query.limit,
        after,
      }),
      folderId ? this.items.pathOf(folderId) : Promise.resolve([]),
      folder ? Promise.resolve(null) : this.storageFigures(user.id),
      showUploads ? this.uploads.unconfirmedFiles(ownerId, folderId, MAX_UPLOADS_LISTED) : Promise.resolve([]),
    ]);
    const owner = folder?.owner ?? { id: user.id, username: user.username };
    const permissions = await this.access.listed(user.id, folder, page.items);
    return {
      user: figures,
      folder: folder ? presentItem(folder) : null,
      path: folder ? this.access.visiblePath(folder, path) : [],
      files_and_folders: page.items.map((item, i) => toItemDto(item, owner, permissions[i])),
      uploads: unconfirmed.map((item) => toUnconfirmedFileDto(item, owner, folder?.permission ?? 'owner')),
      next_cursor: page.next ? encodeCursor(page.next, query.sort_by, query.order) : null,
    };
  }

  /** Renames and/or moves a folder the caller may edit, within its owner's tree. */
  async updateFolder(user: AuthenticatedUser, folderId: string, dto: UpdateFolderDto): Promise<ItemDto> {
    if (dto.new_name === undefined && dto.parent_folder_id === undefined) {
      throw AppError.validation([{ field: 'body', message: 'must give new_name, parent_folder_id or both' }]);
    }
    const updated = await this.transactions.run(async () => {
      await this.items.lockTreesOf([folderId]);
      const folder = await this.access.folder(user.id, folderId, 'edit');
      const target = dto.parent_folder_id;
      const destination = target === undefined ? undefined : await this.access.moveTarget(user.id, folder, target);
      if (target && (await this.items.isWithin(target, folderId))) {
        throw new AppError('folder_move_cycle', 'A folder cannot be moved into itself or into a folder inside it.');
      }
      const logChange = await this.changes.updating(folderId, target !== undefined);
      const item = await this.items.update(
        folderId,
        { name: dto.new_name, parentFolderId: target },
        'folder_name_conflict',
      );
      await this.items.touchFolders([folder.item.parentFolderId, ...(target !== undefined ? [target] : [])]);
      await logChange();
      // Moved, it sits in a folder the caller may edit, so sees; renamed only, where it was.
      return { ...folder, item, parentVisible: destination ? true : folder.parentVisible };
    });
    return presentItem(updated);
  }

  /** Puts the folder and everything in it in its owner's trash. */
  async deleteFolder(user: AuthenticatedUser, folderId: string): Promise<void> {
    await this.transactions.run(async () => {
      await this.items.lockTreesOf([folderId]);
      const folder = await this.access.requireFolder(user.id, folderId, 'edit');
      await this.trash.trash(folderId);
      await this.items.touchFolders([folder.parentFolderId]);
      await this.changes.items('item_trashed', [folderId]);
    });
  }

  private async storageFigures(userId: string): Promise<DriveUserDto> {
    const account = await this.users.findById(userId);
    if (!account) throw new AppError('unauthorized', 'A valid bearer token is required.');
    return { username: account.username, email: account.email, ...storageFigures(account) };
  }
}

function earliest(dates: (Date | null)[]): Date | null {
  const times = dates.filter((date): date is Date => date !== null).map((date) => date.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}
