import { Injectable } from '@nestjs/common';
import { ChangeEntry, ChangeKind, ChangesRepository, Listener, Transactions } from '@app/db';
import { Cache } from '../../common/cache/cache';
import { ChangeSignals } from './change-signals';

/** The key of the open transaction's buffer of changes. */
const PENDING = {};

/**
 * Writes what users should hear about, in the transaction of the change itself (so a change is logged exactly when
 * it commits), addressed to each user who can see the item: its owner and everyone a share on it or above it
 * reaches. The changes of one transaction are written together at its end, when its own locks are all taken.
 * Every call must be inside `Transactions.run`.
 */
@Injectable()
export class ChangeLog {
  constructor(
    private readonly transactions: Transactions,
    private readonly changes: ChangesRepository,
    private readonly signals: ChangeSignals,
    private readonly cache: Cache,
  ) {}

  /** Who can see the items now: taken before a move, so that those who lose sight of an item hear of it too. */
  listenersOf(itemIds: string[]): Promise<Listener[]> {
    return this.changes.listenersOf(itemIds);
  }

  /**
   * Tells everyone who can see each item now, and those of `before` (who saw it before the change: they are told
   * without the item's new folder, which they may not see).
   */
  async items(
    kind: ChangeKind,
    itemIds: string[],
    options: { before?: Listener[]; data?: Record<string, unknown> } = {},
  ): Promise<void> {
    const now = await this.changes.listenersOf(itemIds);
    const told = new Set(now.map((listener) => `${listener.itemId} ${listener.userId}`));
    const before = (options.before ?? [])
      .filter((listener) => !told.has(`${listener.itemId} ${listener.userId}`))
      .map((listener) => ({ ...listener, parentFolderId: null }));
    this.add([...now, ...before].map((listener) => entry(kind, listener, options.data)));
    if (kind === 'item_trashed' || kind === 'item_restored') await this.tellSharedBelow(kind, itemIds, told);
  }

  /**
   * A folder trashed or restored hides or shows what is shared below it: each recipient of such a share who does
   * not see the folder itself hears it of the item shared with them.
   */
  private async tellSharedBelow(kind: ChangeKind, itemIds: string[], told: Set<string>): Promise<void> {
    const toldUsers = new Set([...told].map((key) => key.split(' ')[1]));
    const below = (await this.changes.sharedBelow(itemIds)).filter((share) => !toldUsers.has(share.userId));
    if (below.length === 0) return;
    const wanted = new Set(below.map((share) => `${share.itemId} ${share.userId}`));
    const listeners = await this.changes.listenersOf([...new Set(below.map((share) => share.itemId))]);
    this.add(
      listeners
        .filter((listener) => wanted.has(`${listener.itemId} ${listener.userId}`))
        .map((listener) => entry(kind, listener, undefined)),
    );
  }

  /**
   * What the items' readers see changed with nothing to tell them (an upload on its way appears or goes, and its
   * owner's quota with it): everyone who can see them now has their cached reads dropped once this commits. Call it
   * while the items' rows are still there.
   */
  async unheard(itemIds: string[]): Promise<void> {
    await this.cache.changed((await this.changes.listenersOf(itemIds)).map((listener) => listener.userId));
  }

  /**
   * Before renaming or moving an item: notes who sees it now (a move may hide it from some), and returns what logs
   * the change once it is made.
   */
  async updating(itemId: string, moves: boolean): Promise<() => Promise<void>> {
    const before = moves ? await this.listenersOf([itemId]) : undefined;
    return () => this.items(moves ? 'item_moved' : 'item_renamed', [itemId], { before });
  }

  /** Tells only `userIds` among those who can see the item now (a share's owner and recipient, an uploader). */
  async item(kind: ChangeKind, itemId: string, userIds: string[], data?: Record<string, unknown>): Promise<void> {
    const now = await this.changes.listenersOf([itemId]);
    this.add(now.filter((listener) => userIds.includes(listener.userId)).map((l) => entry(kind, l, data)));
  }

  /** Tells one user of something of their own that is no item (their profile photo). */
  user(kind: ChangeKind, userId: string, data?: Record<string, unknown>): void {
    this.add([{ userId, kind, itemId: null, itemKind: null, name: null, parentFolderId: null, data: data ?? null }]);
  }

  private add(entries: ChangeEntry[]): void {
    const pending = this.transactions.slot(PENDING, () => {
      const buffer: ChangeEntry[] = [];
      this.transactions.beforeCommit(async () => {
        await this.signals.written(await this.changes.append(buffer));
        // Whoever hears of a change may read it: their cached reads go once it commits, before the reply.
        await this.cache.changed(buffer.map((entry) => entry.userId));
      });
      return buffer;
    });
    pending.push(...entries);
  }
}

function entry(kind: ChangeKind, listener: Listener, data: Record<string, unknown> | undefined): ChangeEntry {
  return {
    userId: listener.userId,
    kind,
    itemId: listener.itemId,
    itemKind: listener.itemKind,
    name: listener.name,
    parentFolderId: listener.parentFolderId,
    data: data ?? null,
  };
}
