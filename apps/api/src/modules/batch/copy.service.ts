import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { CopiedItem, CopiesRepository, Item, ItemsRepository, QuotaRepository, Transactions } from '@app/db';
import { ObjectPin, ObjectStorage, objectKeys } from '@app/storage';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { ITEM_NAME_MAX_LENGTH } from '../../common/validation/item-name';
import { Access, AccessService } from '../access/access.service';
import { ChangeLog } from '../changes';
import { fileNotReady, ItemDto, keepName, presentItem, splitName } from '../items';
import { BatchItemDto } from './dto/batch.dto';

/** Objects copied at once inside storage while a folder is copied. */
const STORAGE_COPIES_AT_ONCE = 8;

/** A copy planned: its rows, and the objects storage must copy before they are written. */
interface Plan {
  rows: CopiedItem[];
  /** A file's bytes (pinned to those its row names), or its ready preview; `row` is the copy's. */
  objects: { from: string; to: string; pin?: ObjectPin; row: CopiedItem; preview: boolean }[];
  bytes: number;
}

/**
 * Copies of files and folders. A copy is made inside storage (never through the API), then recorded: every object
 * is copied first, then the rows and the quota are written in one transaction, and when anything fails the objects
 * already copied are deleted. So a copy is whole or is not: nobody sees half a folder, nor pays for one.
 */
@Injectable()
export class CopyService {
  private readonly logger = new Logger('Copies');

  constructor(
    private readonly transactions: Transactions,
    private readonly items: ItemsRepository,
    private readonly copies: CopiesRepository,
    private readonly quota: QuotaRepository,
    private readonly access: AccessService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangeLog,
  ) {}

  /**
   * Copies an item the caller may see into a folder they may edit (null: their root), under the same name or, when
   * that is taken there, the first free `name(N)`. The copy is the destination's owner's (the caller's, but in a
   * folder shared with them, its owner's, as an upload there would be) and counts against their quota.
   */
  async copy(user: AuthenticatedUser, target: BatchItemDto, parentFolderId: string | null): Promise<ItemDto> {
    const source = await this.source(user, target);
    const destination = parentFolderId ? await this.access.folder(user.id, parentFolderId, 'edit') : null;
    const owner = destination?.owner ?? { id: user.id, username: user.username };
    const plan = await this.plan(source.item, owner.id, parentFolderId);
    // Not worth copying a byte when it cannot fit; checked again where it counts, in the transaction.
    if (plan.bytes > (await this.quota.lockAvailable(owner.id))) throw quotaExceeded();

    const copied: string[] = [];
    try {
      await this.copyObjects(plan, copied);
      const item = await this.transactions.run(async () => {
        if (parentFolderId) await this.items.lockTreesOf([parentFolderId]);
        else await this.items.lockTree(user.id);
        // Judged again under the lock: a share revoked or a folder trashed meanwhile takes no copy.
        const place = parentFolderId ? await this.access.folder(user.id, parentFolderId, 'edit') : null;
        if (place && place.owner.id !== owner.id) throw new Error('A folder changed owner under a copy');
        await this.source(user, target);
        const top = plan.rows[0];
        top.name = await this.freeName(top, owner.id, parentFolderId);
        if (!(await this.quota.reserve(owner.id, plan.bytes))) throw quotaExceeded();
        await this.quota.commit(owner.id, plan.bytes);
        const [row] = await this.copies.insert(
          plan.rows,
          top.kind === 'file' ? 'file_name_conflict' : 'folder_name_conflict',
        );
        await this.items.touchFolders([parentFolderId]);
        await this.changes.items('item_created', [row.id]);
        return row;
      });
      return presentItem({ item, owner, permission: destination?.permission ?? 'owner', parentVisible: true });
    } catch (error) {
      // Left behind, they would be removed by the reconciler (no row points at them); now is better.
      await this.storage.delete(copied).catch((failure: unknown) => {
        this.logger.warn(`Could not delete ${copied.length} objects of a failed copy: ${String(failure)}`);
      });
      throw error;
    }
  }

  /** The item to copy, if the caller may see it: a confirmed file (bytes to copy), or a folder. */
  private async source(user: AuthenticatedUser, { kind, id }: BatchItemDto): Promise<Access> {
    if (kind === 'folder') return this.access.folder(user.id, id, 'view');
    const file = await this.access.file(user.id, id, 'view');
    if (file.item.uploadStatus !== 'confirmed') {
      throw fileNotReady('there is nothing to copy');
    }
    return file;
  }

  /** The rows of the copy, its top item first, and the objects to copy; 413 beyond COPY_MAX_ITEMS. */
  private async plan(source: Item, ownerId: string, parentFolderId: string | null): Promise<Plan> {
    const max = this.config.drive.copyMaxItems;
    const tree = source.kind === 'file' ? [source] : await this.copies.tree(source.id, max);
    if (tree.length === 0) throw new AppError('folder_not_found', 'There is no such folder.');
    if (tree.length > max) {
      throw new AppError(
        'copy_too_large',
        `A folder is copied with up to ${max} files and folders (itself included): this one has more. Copy its folders one by one.`,
        { max_entries: max },
      );
    }
    const ids = new Map(tree.map((item) => [item.id, randomUUID()]));
    const plan: Plan = { rows: [], objects: [], bytes: 0 };
    for (const item of tree) {
      const id = ids.get(item.id)!;
      const isFile = item.kind === 'file';
      const row: CopiedItem = {
        id,
        ownerId,
        parentFolderId: item === tree[0] ? parentFolderId : ids.get(item.parentFolderId!)!,
        kind: item.kind,
        name: item.name,
        type: item.type,
        sizeBytes: item.sizeBytes,
        contentType: item.contentType,
        objectKey: isFile ? objectKeys.file(ownerId, id) : null,
        objectEtag: null,
        objectVersionId: null,
        // A preview still being made is not waited for: the copy has none.
        previewStatus: item.previewStatus === 'pending' ? 'none' : item.previewStatus,
        previewKey: null,
        previewWidth: item.previewStatus === 'ready' ? item.previewWidth : null,
        previewHeight: item.previewStatus === 'ready' ? item.previewHeight : null,
        durationMs: item.durationMs,
        mediaWidth: item.mediaWidth,
        mediaHeight: item.mediaHeight,
      };
      plan.rows.push(row);
      if (!isFile) continue;
      plan.bytes += item.sizeBytes ?? 0;
      const pin = { etag: item.objectEtag ?? undefined, versionId: item.objectVersionId ?? undefined };
      plan.objects.push({ from: item.objectKey!, to: row.objectKey!, pin, row, preview: false });
      if (item.previewStatus === 'ready' && item.previewKey) {
        // The copy's bytes have a key of their own, and so their preview.
        row.previewKey = objectKeys.previewOf(row.objectKey!);
        plan.objects.push({ from: item.previewKey, to: row.previewKey, row, preview: true });
      }
    }
    return plan;
  }

  /**
   * Copies the plan's objects, a few at a time, noting each in `copied` as soon as it exists; the first failure
   * stops the rest and is thrown once those under way have settled. A file's bytes gone or replaced since they were
   * read fail the copy; a preview gone leaves the copy without one.
   */
  private async copyObjects(plan: Plan, copied: string[]): Promise<void> {
    let next = 0;
    let failure: unknown;
    const copyOne = async ({ from, to, pin, row, preview }: Plan['objects'][number]): Promise<void> => {
      const head = await this.storage.copy(from, to, pin);
      if (head) copied.push(to);
      if (preview) {
        if (!head)
          Object.assign(row, { previewStatus: 'none', previewKey: null, previewWidth: null, previewHeight: null });
        return;
      }
      if (!head)
        throw new AppError('file_not_found', `"${row.name}" was deleted or replaced while it was being copied.`);
      row.objectEtag = head.etag ?? null;
      row.objectVersionId = head.versionId ?? null;
    };
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < plan.objects.length) {
        await copyOne(plan.objects[next++]).catch((error: unknown) => {
          failure ??= error;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(STORAGE_COPIES_AT_ONCE, plan.objects.length) }, lane));
    if (failure !== undefined) throw failure;
  }

  /** The name the copy takes at its destination: its own, or "Keep both"'s `name(N)` when that is taken. */
  private async freeName(top: CopiedItem, ownerId: string, parentFolderId: string | null): Promise<string> {
    if (!(await this.items.findLiveSibling(ownerId, parentFolderId, top.name))) return top.name;
    const parts = splitName(top.name, { extension: top.kind === 'file' });
    const taken = await this.items.numberedSiblingNames(ownerId, parentFolderId, parts.stem, parts.extension);
    const name = keepName(top.name, taken, parts);
    if ([...name].length > ITEM_NAME_MAX_LENGTH) {
      throw new AppError(
        top.kind === 'file' ? 'file_name_conflict' : 'folder_name_conflict',
        `"${top.name}" is taken there, and too long to be numbered: rename it, or copy it elsewhere.`,
      );
    }
    return name;
  }
}

const quotaExceeded = (): AppError =>
  new AppError('quota_exceeded', 'This copy does not fit in the storage that is left.');
