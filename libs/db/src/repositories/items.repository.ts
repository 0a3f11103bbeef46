import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/contracts';
import { Item } from '../entities';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, LISTED, RETURNED_COLUMNS, Row, orNameConflict, splitPage, toItem } from './item-rows';

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

/**
 * The SQL of a listing page (exported so the benchmark's ceiling runs exactly the same). Folders and files
 * are read by two index range scans, each in the page's order and resuming from the cursor, merged by
 * UNION ALL: a keyset page costs the same whether it is the first or the thousandth. (One query with
 * `rank > r OR (rank = r AND (key, id) > …)` would filter its way through every earlier row instead.)
 */
export function listingStatement(query: ListingQuery): { text: string; values: unknown[] } {
  const key = SORT_EXPRESSIONS[query.sortBy];
  const direction = query.order;
  const values: unknown[] = [query.ownerId, query.limit + 1];
  const parent =
    query.parentFolderId === null
      ? 'i.parent_folder_id IS NULL'
      : `i.parent_folder_id = $${values.push(query.parentFolderId)}`;
  const after = query.after;
  const resume = after
    ? `AND (${key}, i.id) ${direction === 'ASC' ? '>' : '<'} ($${values.push(after.key)}, $${values.push(after.id)}::uuid)`
    : '';
  const branch = (kind: 'folder' | 'file', rank: 0 | 1) => {
    if (after && rank < after.rank) return undefined;
    return `(SELECT ${ITEM_COLUMNS}, (${key})::text AS "sortKey", ${key} AS "orderKey", ${rank} AS rank
               FROM items i
              WHERE i.owner_id = $1 AND ${parent} AND i.kind = '${kind}' AND ${LISTED}
                    ${after && rank === after.rank ? resume : ''}
              ORDER BY ${key} ${direction}, i.id ${direction}
              LIMIT $2)`;
  };
  const branches = [branch('folder', 0), branch('file', 1)].filter(Boolean);
  return {
    text: `SELECT * FROM (${branches.join(' UNION ALL ')}) page
            ORDER BY rank, "orderKey" ${direction}, id ${direction} LIMIT $2`,
    values,
  };
}

/**
 * Files and folders as a tree: finding, naming, placing and listing them, and the locks that keep a tree whole.
 * Uploads, the trash, previews, access and the quota have repositories of their own.
 */
@Injectable()
export class ItemsRepository extends SqlRepository {
  /**
   * Serialises the transactions that change the shape of one owner's tree: two concurrent moves could
   * each pass the cycle check and together make a cycle, and a folder trashed while something is created or
   * moved into it would leave a live item under a deleted one. Held until the transaction ends.
   */
  async lockTree(ownerId: string): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('items:' || $1))`, [ownerId]);
  }

  /**
   * Locks the trees of the owners of these items (see lockTree), in one order so that two requests never wait for
   * each other; ids without a row lock nothing (the access check then finds them missing).
   */
  async lockTreesOf(ids: string[]): Promise<void> {
    await this.db.query(
      `SELECT pg_advisory_xact_lock(hashtext('items:' || owner_id))
         FROM (SELECT DISTINCT owner_id::text FROM items WHERE id = ANY($1::uuid[]) ORDER BY 1) owners`,
      [ids],
    );
  }

  /** The item by id, live or in the trash. */
  async findAny(id: string): Promise<Item | null> {
    const rows = await this.rows(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1`, [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** A live item by id, whatever its kind or owner. */
  async findLive(id: string): Promise<Item | null> {
    const rows = await this.rows(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 AND i.deleted_at IS NULL`, [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** The item, locked for the rest of the transaction (confirmations of one file run one at a time). */
  async lock(id: string): Promise<Item | null> {
    const rows = await this.rows(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** Inserts a folder; a sibling of the same name (in any case) is `folder_name_conflict`. */
  async insertFolder(folder: { ownerId: string; parentFolderId: string | null; name: string }): Promise<Item> {
    const rows = await orNameConflict(
      this.rows(
        `INSERT INTO items (owner_id, parent_folder_id, kind, name) VALUES ($1, $2, 'folder', $3) RETURNING ${RETURNED_COLUMNS}`,
        [folder.ownerId, folder.parentFolderId, folder.name],
      ),
      'folder_name_conflict',
      `A folder or file named "${folder.name}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /** The live item named `name` (in any case) directly in the folder, if any. */
  async findLiveSibling(ownerId: string, parentFolderId: string | null, name: string): Promise<Item | null> {
    const rows = await this.rows(
      `SELECT ${ITEM_COLUMNS} FROM items i
        WHERE i.owner_id = $1 AND i.parent_folder_id IS NOT DISTINCT FROM $2 AND lower(i.name) = lower($3)
          AND i.deleted_at IS NULL AND i.upload_status IS DISTINCT FROM 'rejected'`,
      [ownerId, parentFolderId, name],
    );
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** The live sibling names of the form `stem(…)extension`, compared in lower case (for "Keep"). */
  async numberedSiblingNames(
    ownerId: string,
    parentFolderId: string | null,
    stem: string,
    extension: string,
  ): Promise<string[]> {
    const like = (text: string) => text.toLowerCase().replace(/[\\%_]/g, '\\$&');
    const rows = await this.rows(
      `SELECT lower(i.name) AS name FROM items i
        WHERE i.owner_id = $1 AND i.parent_folder_id IS NOT DISTINCT FROM $2 AND lower(i.name) LIKE $3
          AND i.deleted_at IS NULL AND i.upload_status IS DISTINCT FROM 'rejected'`,
      [ownerId, parentFolderId, `${like(stem)}(%)${like(extension)}`],
    );
    return rows.map((row) => String(row.name));
  }

  /** Renames and/or moves an item; a taken name at the destination is the given conflict. */
  async update(
    id: string,
    change: { name?: string; type?: string; parentFolderId?: string | null },
    conflict: ErrorCode,
  ): Promise<Item> {
    const rows = await orNameConflict(
      this.rows(
        `UPDATE items SET name = COALESCE($2, name), type = COALESCE($5, type),
           parent_folder_id = CASE WHEN $3::boolean THEN $4::uuid ELSE parent_folder_id END,
           last_interaction = now(), updated_at = now()
         WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
        [
          id,
          change.name ?? null,
          change.parentFolderId !== undefined,
          change.parentFolderId ?? null,
          change.type ?? null,
        ],
      ),
      conflict,
      `Something named "${change.name ?? 'like that'}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /** Marks that something changed directly in these folders (creation, rename, move, deletion). */
  async touchFolders(ids: (string | null)[]): Promise<void> {
    const folders = ids.filter((id): id is string => id !== null);
    if (folders.length === 0) return;
    await this.db.query(`UPDATE items SET last_interaction = now() WHERE id = ANY($1::uuid[])`, [folders]);
  }

  /** Whether `folderId` is `candidateId` or one of its descendants (a move there would make a cycle). */
  async isWithin(candidateId: string, folderId: string): Promise<boolean> {
    const rows = await this.db.query(
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
    const rows: (PathEntry & { depth: number })[] = await this.db.query(
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
    const statement = listingStatement(query);
    const rows: Row[] = await this.db.query(statement.text, statement.values);
    const { page, resumeAfter: last } = splitPage(rows, query.limit);
    return {
      items: page.map(toItem),
      next: last ? { rank: last.kind === 'file' ? 1 : 0, key: String(last.sortKey), id: String(last.id) } : undefined,
    };
  }
}
