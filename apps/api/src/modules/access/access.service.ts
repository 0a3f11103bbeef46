import { Injectable } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { AccessRepository, Item, ItemAccess, PathEntry, ShareRecord, SharesRepository, Standing } from '@app/db';
import { ItemView, Permission } from '../items';

/** What the caller wants to do: see it, change it (or what is in it), or what only its owner does. */
export type Action = 'view' | 'edit' | 'own';

/** An item as the caller sees it, with how far above it their furthest grant sits (see ItemAccess). */
export interface Access extends ItemView {
  grantDepth: number | null;
}

const ALLOWED: Record<Action, Standing[]> = {
  view: ['owner', 'edit', 'view'],
  edit: ['owner', 'edit'],
  own: ['owner'],
};

const notFound = (kind: Item['kind']): AppError =>
  kind === 'file'
    ? new AppError('file_not_found', 'There is no such file.')
    : new AppError('folder_not_found', 'There is no such folder.');

const denied = (detail: string): AppError => new AppError('permission_denied', detail);

const DENIED_FOR: Record<Exclude<Action, 'view'>, string> = {
  edit: 'It is shared with you to view only.',
  own: 'Only its owner may do that.',
};

/**
 * The one answer to "may this user do this to these items?" for every feature. A user's standing on an item is
 * ownership, or the strongest grant to them on the item and on all its ancestors; it is read for any number of
 * items in one query. What the caller may not see at all is answered exactly like what does not exist (404, no
 * existence oracle); what they may see but not change is 403 `permission_denied`.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly grants: AccessRepository,
    private readonly shares: SharesRepository,
  ) {}

  /** The live file (pending or confirmed), if the user may do `action` to it. */
  async requireFile(userId: string, fileId: string, action: Action): Promise<Item> {
    return (await this.file(userId, fileId, action)).item;
  }

  /** As requireFile, and also a file whose first upload was refused (which only its deletion still sees). */
  async requireFileOrFailedUpload(userId: string, fileId: string, action: Action): Promise<Item> {
    const [access] = await this.grants.accessTo(userId, [fileId]);
    return this.judge(access, 'file', action, true).item;
  }

  /** The live folder, if the user may do `action` to it (or, for `edit`, in it). */
  async requireFolder(userId: string, folderId: string, action: Action): Promise<Item> {
    return (await this.folder(userId, folderId, action)).item;
  }

  /** The live file as the user sees it, if they may do `action` to it; else `file_not_found` or 403. */
  async file(userId: string, fileId: string, action: Action): Promise<Access> {
    const [access] = await this.grants.accessTo(userId, [fileId]);
    return this.judge(access, 'file', action);
  }

  /** The live folder as the user sees it, if they may do `action` to it; else `folder_not_found` or 403. */
  async folder(userId: string, folderId: string, action: Action): Promise<Access> {
    const [access] = await this.grants.accessTo(userId, [folderId]);
    return this.judge(access, 'folder', action);
  }

  /** Many folders at once (a batch of uploads asks without failing): each one's view, or why not. */
  async folders(userId: string, folderIds: string[], action: Action): Promise<Map<string, Access | AppError>> {
    const found = new Map((await this.grants.accessTo(userId, folderIds)).map((a) => [a.item.id, a]));
    const answers = new Map<string, Access | AppError>();
    for (const id of folderIds) {
      try {
        answers.set(id, this.judge(found.get(id), 'folder', action));
      } catch (error) {
        answers.set(id, error as AppError);
      }
    }
    return answers;
  }

  /**
   * Where `moved` may go: a folder of the same owner that the user may edit, or (its owner only) the root. Nothing
   * leaves its owner's tree: an editor cannot take a shared item into their own drive, nor bring their own in.
   */
  async moveTarget(userId: string, moved: ItemView, targetId: string | null): Promise<Access | null> {
    if (targetId === null) {
      if (moved.permission !== 'owner') throw denied('Only its owner may move it to the root of their drive.');
      return null;
    }
    const target = await this.folder(userId, targetId, 'edit');
    if (target.owner.id !== moved.owner.id) throw denied('Items cannot be moved from one owner’s drive to another’s.');
    return target;
  }

  /** The top-level trash entry, if the user owns it: only owners restore and purge. */
  async trashEntry(userId: string, itemId: string): Promise<Item> {
    const [access] = await this.grants.accessTo(userId, [itemId]);
    if (!access?.standing || access.item.trashRootId !== access.item.id) {
      throw new AppError('trash_item_not_found', 'There is no such item in the trash.');
    }
    if (access.standing !== 'owner') throw denied('Only its owner may restore it or delete it for good.');
    return access.item;
  }

  /**
   * The permission of each item of a listing of `folder` (null: the caller's root). Under `view`, an item may be
   * granted `edit` on its own; whatever is stronger than `view` comes from the folder already.
   */
  async listed(userId: string, folder: ItemView | null, items: Item[]): Promise<Permission[]> {
    const inherited = folder?.permission ?? 'owner';
    if (inherited !== 'view') return items.map(() => inherited);
    const editable = await this.grants.editGrantedAmong(
      userId,
      items.map((item) => item.id),
    );
    return items.map((item) => (editable.has(item.id) ? 'edit' : 'view'));
  }

  /** The part of a folder's path (its ancestors, root first) the user may see: nothing above their furthest grant. */
  visiblePath(folder: Access, path: PathEntry[]): PathEntry[] {
    if (folder.permission === 'owner') return path;
    return path.slice(path.length - (folder.grantDepth ?? 0));
  }

  /** The user's standing on each of these items that they may see (a page of "shared with me"). */
  async standings(userId: string, itemIds: string[]): Promise<[string, Standing][]> {
    return (await this.grants.accessTo(userId, itemIds))
      .filter((access) => access.standing !== null)
      .map((access) => [access.item.id, access.standing!]);
  }

  /**
   * A share the user may act on: its item's owner may do anything to it; its recipient may only `leave` it (and
   * is refused a change with 403); anybody else is told there is no such share.
   */
  async share(userId: string, shareId: string, action: 'change' | 'leave'): Promise<ShareRecord> {
    const share = await this.shares.find(shareId);
    if (share?.itemOwnerId === userId) return share;
    if (share?.recipientId === userId) {
      if (action === 'leave') return share;
      throw denied('Only the owner of the item may change its shares.');
    }
    throw new AppError('share_not_found', 'There is no such share.');
  }

  /** An item the user may see (a search hit, judged by the same rule in its statement), as they see it. */
  seen(access: ItemAccess & { standing: Standing }): Access {
    return {
      item: access.item,
      owner: { id: access.item.ownerId, username: access.ownerUsername },
      permission: access.standing,
      parentVisible: access.standing === 'owner' || (access.grantDepth ?? 0) > 0,
      grantDepth: access.grantDepth,
    };
  }

  private judge(access: ItemAccess | undefined, kind: Item['kind'], action: Action, rejectedToo = false): Access {
    const item = access?.item;
    const refused = item?.uploadStatus === 'rejected' && !rejectedToo;
    if (!access?.standing || !item || item.kind !== kind || item.deletedAt || refused) {
      throw notFound(kind);
    }
    if (!ALLOWED[action].includes(access.standing)) throw denied(DENIED_FOR[action as Exclude<Action, 'view'>]);
    return this.seen({ ...access, standing: access.standing });
  }
}
