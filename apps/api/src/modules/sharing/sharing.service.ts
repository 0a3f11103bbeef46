import { Injectable } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { ShareRecord, SharesRepository, Transactions, UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { isUuid } from '../../common/validation/id-param';
import { AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import { encodePageCursor, invalidCursor, isPgTimestamp, readPageCursor } from '../items';
import {
  CreateShareDto,
  SharedWithMeDto,
  SharedWithMeQueryDto,
  ShareDto,
  SharesDto,
  SharesQueryDto,
  UpdateShareDto,
} from './dto/share.dto';

@Injectable()
export class SharingService {
  constructor(
    private readonly transactions: Transactions,
    private readonly shares: SharesRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly changes: ChangeLog,
  ) {}

  /** The owner grants a user `view` or `edit` on a file or a folder. */
  async createShare(user: AuthenticatedUser, dto: CreateShareDto): Promise<ShareDto> {
    const itemId = this.itemIdOf(dto.share_object_type, dto);
    await this.requireOwnItem(user, dto.share_object_type, itemId);
    const recipient = await this.users.findByLogin(dto.username);
    if (!recipient) throw new AppError('user_not_found', 'There is no user with that username or e-mail address.');
    if (recipient.id === user.id)
      throw new AppError('cannot_share_with_self', 'You cannot share an item with yourself.');
    const share = await this.transactions.run(async () => {
      const made = await this.shares.create(itemId, recipient.id, dto.permission);
      if (made) await this.tell('share_added', made, dto.permission);
      return made;
    });
    // Purged since it was checked: gone, as a later request would find it.
    if (!share) {
      throw dto.share_object_type === 'file'
        ? new AppError('file_not_found', 'There is no such file.')
        : new AppError('folder_not_found', 'There is no such folder.');
    }
    return toShareDto(share);
  }

  /** The grants on one of the caller's items. */
  async listShares(user: AuthenticatedUser, query: SharesQueryDto): Promise<SharesDto> {
    const kind = query.file_id ? 'file' : 'folder';
    const itemId = this.itemIdOf(kind, query);
    await this.requireOwnItem(user, kind, itemId);
    return { shares: (await this.shares.onItem(itemId)).map(toShareDto) };
  }

  async updateShare(user: AuthenticatedUser, shareId: string, dto: UpdateShareDto): Promise<ShareDto> {
    const share = await this.access.share(user.id, shareId, 'change');
    const updated = await this.transactions.run(async () => {
      const changed = await this.shares.setPermission(share.id, dto.permission);
      if (changed) await this.tell('share_changed', changed, dto.permission);
      return changed;
    });
    // Revoked by a concurrent request meanwhile: gone, as a later request would find it.
    if (!updated) throw new AppError('share_not_found', 'There is no such share.');
    return toShareDto(updated);
  }

  /** The owner revokes a share, or its recipient leaves it; access ends with it. */
  async deleteShare(user: AuthenticatedUser, shareId: string): Promise<void> {
    const share = await this.access.share(user.id, shareId, 'leave');
    await this.transactions.run(async () => {
      // Told while the recipient still sees the item.
      await this.tell('share_revoked', share, share.permission);
      await this.shares.delete(share.id);
    });
  }

  /**
   * What is shared directly with the caller, wherever it sits in its owner's tree, most recent first, with the
   * caller's permission on each (a stronger share on a folder above it counts).
   */
  async listSharedWithMe(user: AuthenticatedUser, query: SharedWithMeQueryDto): Promise<SharedWithMeDto> {
    const after = query.cursor ? decodeSharedCursor(query.cursor) : undefined;
    const page = await this.shares.sharedWith(user.id, query.limit, after);
    const edit = new Set(
      (
        await this.access.standings(
          user.id,
          page.rows.map((row) => row.item.id),
        )
      )
        .filter(([, standing]) => standing === 'edit')
        .map(([id]) => id),
    );
    return {
      content: page.rows.map(({ shareId, item, sharedAt, ownerUsername, ownerEmail }) => ({
        share_id: shareId,
        kind: item.kind,
        id: item.id,
        name: item.name,
        size_in_bytes: item.kind === 'file' ? item.sizeBytes : null,
        type: item.kind === 'file' ? item.type : null,
        permission: edit.has(item.id) ? 'edit' : 'view',
        shared_at: sharedAt,
        owner: { username: ownerUsername, email: ownerEmail },
      })),
      next_cursor: page.next ? encodePageCursor(page.next) : null,
    };
  }

  /** A share's change is its owner's and its recipient's to hear. */
  private tell(kind: 'share_added' | 'share_changed' | 'share_revoked', share: ShareRecord, permission: string) {
    return this.changes.item(kind, share.itemId, [share.itemOwnerId, share.recipientId], { permission });
  }

  /** The id of the item a share body or query names: exactly one of `file_id` and `folder_id`, of its kind. */
  private itemIdOf(kind: 'file' | 'folder', ids: { file_id?: string; folder_id?: string }): string {
    const [wanted, other] = kind === 'file' ? (['file_id', 'folder_id'] as const) : (['folder_id', 'file_id'] as const);
    if (ids[other] !== undefined) {
      throw AppError.validation([{ field: other, message: `must be absent when naming a ${kind}` }]);
    }
    const id = ids[wanted];
    if (id === undefined) throw AppError.validation([{ field: wanted, message: `must name the ${kind}` }]);
    return id.toLowerCase();
  }

  private async requireOwnItem(user: AuthenticatedUser, kind: 'file' | 'folder', itemId: string): Promise<void> {
    if (kind === 'file') await this.access.requireFile(user.id, itemId, 'own');
    else await this.access.requireFolder(user.id, itemId, 'own');
  }
}

function toShareDto(share: ShareRecord): ShareDto {
  return {
    id: share.id,
    kind: share.itemKind,
    item_id: share.itemId,
    item_name: share.itemName,
    recipient: { id: share.recipientId, username: share.recipientUsername },
    permission: share.permission,
    created_at: share.createdAt,
  };
}

function decodeSharedCursor(text: string): { sharedAt: string; id: string } {
  const value = readPageCursor(text) as { sharedAt?: unknown; id?: unknown } | null | undefined;
  if (isPgTimestamp(value?.sharedAt) && isUuid(value?.id)) return { sharedAt: value.sharedAt, id: value.id };
  throw invalidCursor();
}
