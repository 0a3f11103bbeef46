import { Injectable } from '@nestjs/common';
import { Item } from '../entities';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, RETURNED_COLUMNS, Row, orNameConflict, splitPage, toItem } from './item-rows';
import { ItemsRepository } from './items.repository';

export interface TrashPage {
  items: Item[];
  next: { deletedAt: string; id: string } | undefined;
}

/** What a purged row held, for its bytes and quota to be freed. */
export interface PurgedItem {
  id: string;
  ownerId: string;
  kind: 'file' | 'folder';
  uploadStatus: string | null;
  objectKey: string | null;
  sizeBytes: number | null;
  uploadKey: string | null;
  uploadSizeBytes: number | null;
  previewKey: string | null;
}

/** The trash: what a deletion marks, and its entries' restore and purge. */
@Injectable()
export class TrashRepository extends SqlRepository {
  constructor(
    // The class itself (not an alias): Nest injects by the parameter's runtime type.
    host: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly items: ItemsRepository,
  ) {
    super(host);
  }

  /**
   * Puts the item and everything below it in the trash, marked with the item's id, so that a restore
   * undoes exactly this deletion. Answers with the number of items marked.
   */
  async trash(id: string): Promise<number> {
    const rows = await this.rows(
      `WITH RECURSIVE down AS (
         SELECT id FROM items WHERE id = $1 AND deleted_at IS NULL
         UNION ALL
         SELECT c.id FROM items c JOIN down ON c.parent_folder_id = down.id WHERE c.deleted_at IS NULL
       )
       UPDATE items SET deleted_at = now(), trash_root_id = $1, updated_at = now()
        WHERE id IN (SELECT id FROM down) RETURNING id`,
      [id],
    );
    return rows.length;
  }

  /** The top-level item of a trash entry (deleted itself, not with a folder), if it is one. */
  async findTrashRoot(id: string): Promise<Item | null> {
    const rows = await this.rows(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 AND i.trash_root_id = i.id`, [
      id,
    ]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** A page of the owner's trash: its top-level items, most recently deleted first. */
  async listTrash(ownerId: string, limit: number, after?: { deletedAt: string; id: string }): Promise<TrashPage> {
    const params: unknown[] = [ownerId, limit + 1];
    let resume = '';
    if (after) {
      params.push(after.deletedAt, after.id);
      resume = 'AND (i.deleted_at, i.id) < ($3::timestamptz, $4::uuid)';
    }
    const rows: Row[] = await this.db.query(
      `SELECT ${ITEM_COLUMNS}, i.deleted_at::text AS "deletedAtText" FROM items i
        WHERE i.owner_id = $1 AND i.trash_root_id = i.id ${resume}
        ORDER BY i.deleted_at DESC, i.id DESC LIMIT $2`,
      params,
    );
    const { page, resumeAfter: last } = splitPage(rows, limit);
    return {
      items: page.map(toItem),
      next: last ? { deletedAt: String(last.deletedAtText), id: String(last.id) } : undefined,
    };
  }

  /** Takes a trash entry out of the trash, at the given place and under the given name. */
  async restore(rootId: string, place: { parentFolderId: string | null; name: string }): Promise<Item> {
    // The root takes its new place and name first, while still out of the live names' index: brought back
    // under its old name, it would collide with the live sibling that made it need a new one.
    await this.items.update(rootId, place, 'file_name_conflict');
    const rows = await orNameConflict(
      this.rows(
        `UPDATE items SET deleted_at = NULL, trash_root_id = NULL WHERE trash_root_id = $1 RETURNING ${RETURNED_COLUMNS}`,
        [rootId],
      ),
      'file_name_conflict',
      `Something named "${place.name}" already exists there.`,
    );
    return toItem(rows.find((row) => row.id === rootId)!);
  }

  /**
   * Deletes a trash entry's rows for good and answers with what they held (objects, bytes), for the caller
   * to free. Items below it that were trashed on their own stay in the trash, moved to the root.
   */
  async purge(rootId: string): Promise<PurgedItem[]> {
    await this.rows(
      `UPDATE items SET parent_folder_id = NULL
        WHERE trash_root_id = id AND id <> $1
          AND parent_folder_id IN (SELECT id FROM items WHERE trash_root_id = $1)`,
      [rootId],
    );
    const rows = await this.rows(
      `DELETE FROM items WHERE trash_root_id = $1
       RETURNING id, owner_id AS "ownerId", kind, upload_status AS "uploadStatus", object_key AS "objectKey",
                 size_bytes AS "sizeBytes", upload_key AS "uploadKey", upload_size_bytes AS "uploadSizeBytes",
                 preview_key AS "previewKey"`,
      [rootId],
    );
    return rows.map((row) => ({
      ...(row as unknown as PurgedItem),
      sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
      uploadSizeBytes: row.uploadSizeBytes === null ? null : Number(row.uploadSizeBytes),
    }));
  }

  /** Trash entries deleted before `cutoff`, oldest first (the reconciler's purge). */
  async trashRootsBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM items WHERE trash_root_id = id AND deleted_at < $1 ORDER BY deleted_at LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The owner's trash entries, all of them (emptying the trash). */
  async trashRootsOf(ownerId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM items WHERE owner_id = $1 AND trash_root_id = id`,
      [ownerId],
    );
    return rows.map((row) => row.id);
  }
}
