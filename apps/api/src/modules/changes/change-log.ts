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
    const told = new Set(now.map(pairKey));
    const before = (options.before ?? [])
      .filter((listener) => !told.has(pairKey(listener)))
      .map((listener) => ({ ...listener, parentFolderId: null }));
    this.add([...now, ...before].map((listener) => entry(kind, listener, options.data)));
    if (kind === 'item_trashed' || kind === 'item_restored') {
      // What is shared below a folder is hidden or shown with it: each such recipient who does not see the folder
      // itself hears it of the item shared with them.
      const toldUsers = new Set(now.map((listener) => listener.userId));
      const below = await this.changes.sharedBelow(itemIds);
      await this.tell(
        kind,
        below.filter((share) => !toldUsers.has(share.userId)),
      );
    }
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
    const before = moves ? await this.changes.listenersOf([itemId]) : undefined;
    return () => this.items(moves ? 'item_moved' : 'item_renamed', [itemId], { before });
  }

  /** Tells only `userIds` among those who can see the item now (a share's owner and recipient, an uploader). */
  item(kind: ChangeKind, itemId: string, userIds: string[], data?: Record<string, unknown>): Promise<void> {
    return this.tell(
      kind,
      userIds.map((userId) => ({ itemId, userId })),
      data,
    );
  }

  /** Tells each user of their item, as they see it now: a user who cannot see it hears nothing. */
  private async tell(
    kind: ChangeKind,
    pairs: { itemId: string; userId: string }[],
    data?: Record<string, unknown>,
  ): Promise<void> {
    if (pairs.length === 0) return;
    const wanted = new Set(pairs.map(pairKey));
    const listeners = await this.changes.listenersOf([...new Set(pairs.map((pair) => pair.itemId))]);
    this.add(listeners.filter((listener) => wanted.has(pairKey(listener))).map((l) => entry(kind, l, data)));
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

/** An item and a user, as one key. */
function pairKey({ itemId, userId }: { itemId: string; userId: string }): string {
  return `${itemId} ${userId}`;
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
