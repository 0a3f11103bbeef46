import { Injectable } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { ItemsRepository, UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { AccessService } from '../access/access.service';
import { ItemDto, toItemDto } from '../items';
import { CreateFolderDto } from './dto/create-folder.dto';
import { ListingQueryDto } from './dto/listing-query.dto';
import { DriveUserDto, ListingDto } from './dto/listing.dto';
import { UpdateFolderDto } from './dto/update-folder.dto';
import { decodeCursor, encodeCursor } from './listing-cursor';

@Injectable()
export class FoldersService {
  constructor(
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
  ) {}

  async createFolder(user: AuthenticatedUser, dto: CreateFolderDto): Promise<ItemDto> {
    const parentFolderId = dto.parent_folder_id ?? null;
    const folder = await this.items.transaction(async (manager) => {
      await this.items.lockTree(user.id, manager);
      if (parentFolderId) await this.access.requireFolder(user.id, parentFolderId, 'edit', manager);
      const created = await this.items.insertFolder(
        { ownerId: user.id, parentFolderId, name: dto.folder_name },
        manager,
      );
      await this.items.touchFolders([parentFolderId], manager);
      return created;
    });
    return toItemDto(folder, { id: user.id, username: user.username }, 'owner');
  }

  /** The root (folderId null) or a folder: its items a page at a time, where it is, and at the root the quota. */
  async listFolder(user: AuthenticatedUser, folderId: string | null, query: ListingQueryDto): Promise<ListingDto> {
    const folder = folderId ? await this.access.requireFolder(user.id, folderId, 'view') : null;
    const owner = { id: user.id, username: user.username };
    const after = query.cursor ? decodeCursor(query.cursor, query.sort_by, query.order) : undefined;
    const [page, path, figures] = await Promise.all([
      this.items.list({
        ownerId: user.id,
        parentFolderId: folderId,
        sortBy: query.sort_by,
        order: query.order,
        limit: query.limit,
        after,
      }),
      folderId ? this.items.pathOf(folderId) : Promise.resolve([]),
      folder ? Promise.resolve(null) : this.storageFigures(user.id),
    ]);
    return {
      user: figures,
      folder: folder ? toItemDto(folder, owner, 'owner') : null,
      path,
      files_and_folders: page.items.map((item) => toItemDto(item, owner, 'owner')),
      next_cursor: page.next ? encodeCursor(page.next, query.sort_by, query.order) : null,
    };
  }

  async updateFolder(user: AuthenticatedUser, folderId: string, dto: UpdateFolderDto): Promise<ItemDto> {
    if (dto.new_name === undefined && dto.parent_folder_id === undefined) {
      throw AppError.validation([{ field: 'body', message: 'must give new_name, parent_folder_id or both' }]);
    }
    const updated = await this.items.transaction(async (manager) => {
      await this.items.lockTree(user.id, manager);
      const folder = await this.access.requireFolder(user.id, folderId, 'edit', manager);
      const target = dto.parent_folder_id;
      if (target !== undefined) {
        if (target !== null) {
          await this.access.requireFolder(user.id, target, 'edit', manager);
          if (await this.items.isWithin(target, folderId, manager)) {
            throw new AppError('folder_move_cycle', 'A folder cannot be moved into itself or into a folder inside it.');
          }
        }
      }
      const result = await this.items.update(
        folderId,
        { name: dto.new_name, parentFolderId: target },
        'folder_name_conflict',
        manager,
      );
      await this.items.touchFolders([folder.parentFolderId, ...(target !== undefined ? [target] : [])], manager);
      return result;
    });
    return toItemDto(updated, { id: user.id, username: user.username }, 'owner');
  }

  /** Puts the folder and everything in it in the trash. */
  async deleteFolder(user: AuthenticatedUser, folderId: string): Promise<void> {
    await this.items.transaction(async (manager) => {
      await this.items.lockTree(user.id, manager);
      const folder = await this.access.requireFolder(user.id, folderId, 'edit', manager);
      await this.items.trash(folderId, manager);
      await this.items.touchFolders([folder.parentFolderId], manager);
    });
  }

  private async storageFigures(userId: string): Promise<DriveUserDto> {
    const account = await this.users.findById(userId);
    if (!account) throw new AppError('unauthorized', 'A valid bearer token is required.');
    return {
      username: account.username,
      email: account.email,
      used_storage_in_bytes: account.usedBytes,
      available_storage_in_bytes: Math.max(0, account.quotaBytes - account.usedBytes - account.reservedBytes),
      total_storage_in_bytes: account.quotaBytes,
    };
  }
}
