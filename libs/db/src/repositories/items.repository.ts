import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '@app/contracts';
import { Item } from '../entities';
import { violatedUniqueConstraint } from './pg-errors';

export type SortKey = 'name' | 'created_at' | 'last_interaction' | 'size' | 'type';
export type SortOrder = 'ASC' | 'DESC';

/** Where a listing resumes: the last row's place in the order. */
export interface ListingCursor {
  /** 0 for folders, 1 for files: folders come first whatever the order. */
  rank: 0 | 1;
  /** The sort expression's value as PostgreSQL prints it (text keeps timestamps' microseconds). */
  key: string;
  id: string;
}

export interface ListingQuery {
  ownerId: string;
  /** Null for the root of the owner's drive. */
  parentFolderId: string | null;
  sortBy: SortKey;
  order: SortOrder;
  limit: number;
  after?: ListingCursor;
}

export interface ListingPage {
  items: Item[];
  /** The cursor of the last item, when there may be more. */
  next: ListingCursor | undefined;
}

export interface PathEntry {
  id: string;
  name: string;
}

/**
 * The SQL expression each sort key orders by. Folders have no size or type: 0 and '' keep them in a
 * total order (they are listed before files anyway).
 */
const SORT_EXPRESSIONS: Record<SortKey, string> = {
  name: 'lower(i.name)',
  created_at: 'i.created_at',
  last_interaction: 'i.last_interaction',
  size: 'COALESCE(i.size_bytes, 0)',
  type: "COALESCE(i.type, '')",
};

/** A listed item: a live folder, or a live, confirmed file. */
const LISTED = `i.deleted_at IS NULL AND (i.upload_status IS NULL OR i.upload_status = 'confirmed')`;

const ITEM_COLUMNS = `i.id, i.owner_id AS "ownerId", i.parent_folder_id AS "parentFolderId", i.kind, i.name, i.type,
  i.size_bytes AS "sizeBytes", i.content_type AS "contentType", i.upload_status AS "uploadStatus",
  i.object_key AS "objectKey", i.upload_key AS "uploadKey", i.upload_size_bytes AS "uploadSizeBytes",
  i.upload_content_type AS "uploadContentType", i.upload_expires_at AS "uploadExpiresAt",
  i.preview_status AS "previewStatus", i.created_at AS "createdAt", i.updated_at AS "updatedAt",
  i.last_interaction AS "lastInteraction", i.deleted_at AS "deletedAt", i.trash_root_id AS "trashRootId"`;

/** The same columns, for RETURNING (no table alias there). */
const RETURNED_COLUMNS = ITEM_COLUMNS.replace(/\bi\./g, '');

/** Rows from raw queries come back with bigint as strings; the entity speaks numbers. */
function toItem(row: Row): Item {
  const item = row as unknown as Item;
  if (row.sizeBytes !== null && row.sizeBytes !== undefined) item.sizeBytes = Number(row.sizeBytes);
  if (row.uploadSizeBytes !== null && row.uploadSizeBytes !== undefined)
    item.uploadSizeBytes = Number(row.uploadSizeBytes);
  return item;
}

type Row = Record<string, unknown>;

/** The rows of a statement: TypeORM answers an UPDATE or DELETE as `[rows, count]`, the rest as rows. */
async function rowsOf(manager: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const result = await manager.query(sql, params);
  return Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}

/** Turns a violation of the sibling-name index into the caller's conflict error. */
export async function orNameConflict<T>(work: Promise<T>, code: ErrorCode, detail: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (violatedUniqueConstraint(error) === 'items_live_name_key') throw new AppError(code, detail);
    throw error;
  }
}

/** Files and folders: every query of the drive. */
@Injectable()
export class ItemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction; the repository's methods take its manager. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Serialises the transactions that move items within one owner's tree: two concurrent moves could each
   * pass the cycle check and together make a cycle. Held until the transaction ends.
   */
  async lockTree(ownerId: string, manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('items:' || $1))`, [ownerId]);
  }

  /** A live item by id, whatever its kind or owner. */
  async findLive(id: string, manager: EntityManager = this.dataSource.manager): Promise<Item | null> {
    const rows = await rowsOf(manager, `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 AND i.deleted_at IS NULL`, [
      id,
    ]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** Inserts a folder; a sibling of the same name (in any case) is `folder_name_conflict`. */
  async insertFolder(
    folder: { ownerId: string; parentFolderId: string | null; name: string },
    manager: EntityManager,
  ): Promise<Item> {
    const rows = await orNameConflict(
      rowsOf(
        manager,
        `INSERT INTO items (owner_id, parent_folder_id, kind, name) VALUES ($1, $2, 'folder', $3) RETURNING ${RETURNED_COLUMNS}`,
        [folder.ownerId, folder.parentFolderId, folder.name],
      ),
      'folder_name_conflict',
      `A folder or file named "${folder.name}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /** Renames and/or moves an item; a taken name at the destination is the given conflict. */
  async update(
    id: string,
    change: { name?: string; parentFolderId?: string | null },
    conflict: ErrorCode,
    manager: EntityManager,
  ): Promise<Item> {
    const rows = await orNameConflict(
      rowsOf(
        manager,
        `UPDATE items SET name = COALESCE($2, name),
           parent_folder_id = CASE WHEN $3::boolean THEN $4::uuid ELSE parent_folder_id END,
           last_interaction = now(), updated_at = now()
         WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
        [id, change.name ?? null, change.parentFolderId !== undefined, change.parentFolderId ?? null],
      ),
      conflict,
      `Something named "${change.name ?? 'like that'}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /** Marks that something changed directly in these folders (creation, rename, move, deletion). */
  async touchFolders(ids: (string | null)[], manager: EntityManager): Promise<void> {
    const folders = ids.filter((id): id is string => id !== null);
    if (folders.length === 0) return;
    await manager.query(`UPDATE items SET last_interaction = now() WHERE id = ANY($1::uuid[])`, [folders]);
  }

  /** Whether `folderId` is `candidateId` or one of its descendants (a move there would make a cycle). */
  async isWithin(candidateId: string, folderId: string, manager: EntityManager): Promise<boolean> {
    const rows = await manager.query(
      `WITH RECURSIVE up AS (
         SELECT id, parent_folder_id FROM items WHERE id = $1
         UNION ALL
         SELECT p.id, p.parent_folder_id FROM items p JOIN up ON p.id = up.parent_folder_id
       )
       SELECT 1 FROM up WHERE id = $2 LIMIT 1`,
      [candidateId, folderId],
    );
    return rows.length > 0;
  }

  /** The folder's ancestors, from the root down, excluding the folder itself. */
  async pathOf(folderId: string): Promise<PathEntry[]> {
    const rows: (PathEntry & { depth: number })[] = await this.dataSource.query(
      `WITH RECURSIVE up AS (
         SELECT parent_folder_id, 0 AS depth FROM items WHERE id = $1
         UNION ALL
         SELECT p.parent_folder_id, up.depth + 1 FROM items p JOIN up ON p.id = up.parent_folder_id
       )
       SELECT p.id, p.name, up.depth FROM up JOIN items p ON p.id = up.parent_folder_id ORDER BY up.depth DESC`,
      [folderId],
    );
    return rows.map(({ id, name }) => ({ id, name }));
  }

  /** One page of a folder's (or the root's) listed items: folders first, then the chosen order, ties by id. */
  async list(query: ListingQuery): Promise<ListingPage> {
    const key = SORT_EXPRESSIONS[query.sortBy];
    const direction = query.order;
    const comparison = direction === 'ASC' ? '>' : '<';
    const params: unknown[] = [query.ownerId, query.parentFolderId, query.limit + 1];
    let resume = '';
    if (query.after) {
      params.push(query.after.rank, query.after.key, query.after.id);
      // Folders (rank 0) always come first; within a rank, (key, id) in the listing's direction.
      resume = `AND ((i.kind = 'file')::int > $4 OR ((i.kind = 'file')::int = $4 AND (${key}, i.id) ${comparison} ($5, $6::uuid)))`;
    }
    const rows = await this.dataSource.query(
      `SELECT ${ITEM_COLUMNS}, (${key})::text AS "sortKey"
         FROM items i
        WHERE i.owner_id = $1 AND i.parent_folder_id IS NOT DISTINCT FROM $2 AND ${LISTED} ${resume}
        ORDER BY (i.kind = 'file') ASC, ${key} ${direction}, i.id ${direction}
        LIMIT $3`,
      params,
    );
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      next:
        more && last
          ? {
              rank: last.kind === 'file' ? 1 : 0,
              key: String(last.sortKey),
              id: String(last.id),
            }
          : undefined,
    };
  }

  /**
   * Puts the item and everything below it in the trash, marked with the item's id, so that a restore
   * undoes exactly this deletion. Answers with the number of items marked.
   */
  async trash(id: string, manager: EntityManager): Promise<number> {
    const rows = await rowsOf(
      manager,
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
}
