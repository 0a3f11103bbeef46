import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '@app/contracts';
import { Item, SharePermission } from '../entities';
import { grantsCtes, standingSql } from './access-rule';
import { ITEM_COLUMNS, LISTED, Row, rowsOf, splitPage, toItem } from './item-rows';
import { violatedForeignKey, violatedUniqueConstraint } from './pg-errors';

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

/** A share as its owner and its recipient see it. */
export interface ShareRecord {
  id: string;
  itemId: string;
  itemKind: 'file' | 'folder';
  itemName: string;
  itemOwnerId: string;
  recipientId: string;
  recipientUsername: string;
  permission: SharePermission;
  createdAt: Date;
}

/** A row of "shared with me". */
export interface SharedItemRecord {
  shareId: string;
  permission: SharePermission;
  sharedAt: Date;
  item: Item;
  ownerUsername: string;
  ownerEmail: string;
}

export interface SharedPage {
  rows: SharedItemRecord[];
  next: { sharedAt: string; id: string } | undefined;
}

const SHARE_COLUMNS = `s.id, s.item_id AS "itemId", i.kind AS "itemKind", i.name AS "itemName", i.owner_id AS "itemOwnerId",
  s.recipient_id AS "recipientId", u.username AS "recipientUsername", s.permission, s.created_at AS "createdAt"`;

const SHARE_FROM = `shares s JOIN items i ON i.id = s.item_id JOIN users u ON u.id = s.recipient_id`;

/** Grants, and the one query that says what a user may do to a set of items. */
@Injectable()
export class SharesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * For each of these items that exists (live or in the trash): the item, and the user's standing on it, in one
   * statement. An item is the user's own (a tree never mixes owners: nothing moves between them), or the walk up
   * its parent chain meets the grants to the user on it and its ancestors, and the strongest wins (grantsCtes). The
   * walk is only taken for items of others.
   */
  async accessTo(
    userId: string,
    ids: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ItemAccess[]> {
    if (ids.length === 0) return [];
    const rows = await rowsOf(
      manager,
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
    const rows: { itemId: string }[] = await this.dataSource.query(
      `SELECT item_id AS "itemId" FROM shares WHERE recipient_id = $1 AND item_id = ANY($2::uuid[]) AND permission = 'edit'`,
      [userId, ids],
    );
    return new Set(rows.map((row) => row.itemId));
  }

  /**
   * Grants `permission` on the item; a grant to that user already there is `already_shared`. Null when the item
   * is gone (purged since it was checked).
   */
  async create(itemId: string, recipientId: string, permission: SharePermission): Promise<ShareRecord | null> {
    try {
      const [{ id }] = await this.dataSource.query(
        `INSERT INTO shares (item_id, recipient_id, permission) VALUES ($1, $2, $3) RETURNING id`,
        [itemId, recipientId, permission],
      );
      return (await this.find(id))!;
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'shares_item_id_recipient_id_key') {
        throw new AppError('already_shared', 'The item is already shared with that user; change the share instead.');
      }
      if (violatedForeignKey(error) === 'shares_item_id_fkey') return null;
      throw error;
    }
  }

  async find(id: string): Promise<ShareRecord | null> {
    const rows = await this.dataSource.query(`SELECT ${SHARE_COLUMNS} FROM ${SHARE_FROM} WHERE s.id = $1`, [id]);
    return (rows[0] as ShareRecord | undefined) ?? null;
  }

  /** The grants on one item, oldest first. */
  onItem(itemId: string): Promise<ShareRecord[]> {
    return this.dataSource.query(
      `SELECT ${SHARE_COLUMNS} FROM ${SHARE_FROM} WHERE s.item_id = $1 ORDER BY s.created_at, s.id`,
      [itemId],
    );
  }

  async setPermission(id: string, permission: SharePermission): Promise<ShareRecord | null> {
    await this.dataSource.query(`UPDATE shares SET permission = $2 WHERE id = $1`, [id, permission]);
    return this.find(id);
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM shares WHERE id = $1`, [id]);
  }

  /**
   * A page of what is shared directly with the user, most recent grant first: live items only, and files only
   * once confirmed (what a listing would show).
   */
  async sharedWith(recipientId: string, limit: number, after?: { sharedAt: string; id: string }): Promise<SharedPage> {
    const params: unknown[] = [recipientId, limit + 1];
    const resume = after
      ? `AND (s.created_at, s.id) < ($${params.push(after.sharedAt)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ITEM_COLUMNS}, s.id AS "shareId", s.permission AS "sharePermission", s.created_at AS "sharedAt",
              s.created_at::text AS "sharedAtText", u.username AS "ownerUsername", u.email AS "ownerEmail"
         FROM shares s JOIN items i ON i.id = s.item_id JOIN users u ON u.id = i.owner_id
        WHERE s.recipient_id = $1 AND ${LISTED} ${resume}
        ORDER BY s.created_at DESC, s.id DESC LIMIT $2`,
      params,
    );
    const { page, resumeAfter: last } = splitPage(rows, limit);
    return {
      rows: page.map((row) => ({
        shareId: String(row.shareId),
        permission: row.sharePermission as SharePermission,
        sharedAt: row.sharedAt as Date,
        ownerUsername: String(row.ownerUsername),
        ownerEmail: String(row.ownerEmail),
        item: toItem(row),
      })),
      next: last ? { sharedAt: String(last.sharedAtText), id: String(last.shareId) } : undefined,
    };
  }
}
