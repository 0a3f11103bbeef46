import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '@app/contracts';
import { Item, ItemsRepository } from '@app/db';

export type Action = 'view' | 'edit';

/**
 * The one answer to "may this user do this to this item?" for every feature. Until sharing arrives, only
 * the owner may do anything; an item the caller may not see is answered exactly like a missing one.
 */
@Injectable()
export class AccessService {
  constructor(private readonly items: ItemsRepository) {}

  /** The live file (pending or confirmed), if the user may act on it; else `file_not_found`. */
  async requireFile(userId: string, fileId: string, _action: Action, manager?: EntityManager): Promise<Item> {
    const file = await this.items.findLive(fileId, manager);
    if (!file || file.kind !== 'file' || file.ownerId !== userId || file.uploadStatus === 'rejected') {
      throw new AppError('file_not_found', 'There is no such file.');
    }
    return file;
  }

  /** The live folder, if the user may act on it; else `folder_not_found`. */
  async requireFolder(userId: string, folderId: string, action: Action, manager?: EntityManager): Promise<Item> {
    const folder = await this.folderFor(userId, folderId, action, manager);
    if (!folder) throw new AppError('folder_not_found', 'There is no such folder.');
    return folder;
  }

  /** Whether the user may put things into this folder (a batch asks without failing). */
  async mayAddTo(userId: string, folderId: string, manager?: EntityManager): Promise<boolean> {
    return (await this.folderFor(userId, folderId, 'edit', manager)) !== null;
  }

  private async folderFor(
    userId: string,
    folderId: string,
    _action: Action,
    manager?: EntityManager,
  ): Promise<Item | null> {
    const folder = await this.items.findLive(folderId, manager);
    return folder?.kind === 'folder' && folder.ownerId === userId ? folder : null;
  }
}
