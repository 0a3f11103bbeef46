import { Injectable } from '@nestjs/common';
import { Item, SharePermission } from '../entities';
import { SqlRepository } from '../transactions';
import { grantsCtes, standingSql } from './access-rule';
import { ITEM_COLUMNS, toItem } from './item-rows';

/** The caller's standing on an item: ownership, or the strongest grant on it and its ancestors. */
export type Standing = 'owner' | SharePermission;

/** An item with what one user may do to it (`standing` null: they may not even see it). */
export interface ItemAccess {
  item: Item;
  ownerUsername: string;
  standing: Standing | null;
  /**
   * How many levels above the item the furthest grant to the user sits (0: on the item itself), null without a
   * grant. What lies above that is not theirs to see.
   */
  grantDepth: number | null;
}

/**
 * The one query that says what a user may do to a set of items: ownership, or the grants on them and their
 * ancestors (shares inherited down a tree).
 */
@Injectable()
export class AccessRepository extends SqlRepository {
  /**
   * For each of these items that exists (live or in the trash): the item, and the user's standing on it, in one
   * statement. An item is the user's own (a tree never mixes owners: nothing moves between them), or the walk up
   * its parent chain meets the grants to the user on it and its ancestors, and the strongest wins (grantsCtes, the
   * rule search uses too). The walk is only taken for items of others.
   */
  async accessTo(userId: string, ids: string[]): Promise<ItemAccess[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows(
      `WITH RECURSIVE ${grantsCtes(`SELECT i.id, i.parent_folder_id FROM items i WHERE i.id = ANY($2::uuid[]) AND i.owner_id <> $1`, '$1')}
       SELECT ${ITEM_COLUMNS}, u.username AS "ownerUsername", ${standingSql('i.owner_id', 'g', '$1')} AS standing,
              g.depth AS "grantDepth"
         FROM items i JOIN users u ON u.id = i.owner_id LEFT JOIN granted g ON g.target = i.id
        WHERE i.id = ANY($2::uuid[])`,
      [userId, ids],
    );
    return rows.map((row) => ({
      item: toItem(row),
      ownerUsername: String(row.ownerUsername),
      standing: (row.standing as Standing | null) ?? null,
      grantDepth: row.grantDepth === null ? null : Number(row.grantDepth),
    }));
  }

  /** Of these items, those granted to the user directly with `edit` (a listing's items under a `view` grant). */
  async editGrantedAmong(userId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { itemId: string }[] = await this.db.query(
      `SELECT item_id AS "itemId" FROM shares WHERE recipient_id = $1 AND item_id = ANY($2::uuid[]) AND permission = 'edit'`,
      [userId, ids],
    );
    return new Set(rows.map((row) => row.itemId));
  }
}
