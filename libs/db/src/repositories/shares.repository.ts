import { Injectable } from '@nestjs/common';
import { AppError } from '@app/contracts';
import { Item, SharePermission } from '../entities';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, LISTED, Row, splitPage, toItem } from './item-rows';

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

/** Grants: made, changed, revoked, and what is shared with a user. Who may do what is AccessRepository's. */
@Injectable()
export class SharesRepository extends SqlRepository {
  /**
   * Grants `permission` on the item; a grant to that user already there is `already_shared`. Null when the item
   * is gone (purged since it was checked).
   */
  async create(itemId: string, recipientId: string, permission: SharePermission): Promise<ShareRecord | null> {
    // No statement fails on a duplicate or a purged item: a failed one would abort the caller's transaction.
    const [made] = await this.rows(
      `INSERT INTO shares (item_id, recipient_id, permission)
       SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM items WHERE id = $1)
       ON CONFLICT ON CONSTRAINT shares_item_id_recipient_id_key DO NOTHING
       RETURNING id`,
      [itemId, recipientId, permission],
    );
    if (made) return (await this.find(made.id as string))!;
    const [existing] = await this.rows(`SELECT 1 FROM shares WHERE item_id = $1 AND recipient_id = $2`, [
      itemId,
      recipientId,
    ]);
    if (existing) {
      throw new AppError('already_shared', 'The item is already shared with that user; change the share instead.');
    }
    return null;
  }

  async find(id: string): Promise<ShareRecord | null> {
    const rows = await this.db.query(`SELECT ${SHARE_COLUMNS} FROM ${SHARE_FROM} WHERE s.id = $1`, [id]);
    return (rows[0] as ShareRecord | undefined) ?? null;
  }

  /** Every grant the user made or was given (what ends with their account). */
  involving(userId: string): Promise<ShareRecord[]> {
    return this.db.query(
      `SELECT ${SHARE_COLUMNS} FROM ${SHARE_FROM} WHERE i.owner_id = $1 OR s.recipient_id = $1 ORDER BY s.id`,
      [userId],
    );
  }

  /** The grants on one item, oldest first. */
  onItem(itemId: string): Promise<ShareRecord[]> {
    return this.db.query(
      `SELECT ${SHARE_COLUMNS} FROM ${SHARE_FROM} WHERE s.item_id = $1 ORDER BY s.created_at, s.id`,
      [itemId],
    );
  }

  async setPermission(id: string, permission: SharePermission): Promise<ShareRecord | null> {
    await this.db.query(`UPDATE shares SET permission = $2 WHERE id = $1`, [id, permission]);
    return this.find(id);
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM shares WHERE id = $1`, [id]);
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
    const rows: Row[] = await this.db.query(
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
