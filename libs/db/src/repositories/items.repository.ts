import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '@app/contracts';
import { Item, PreviewStatus } from '../entities';
import { ITEM_COLUMNS, LISTED, Row, rowsOf, splitPage, toItem } from './item-rows';
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

export interface PendingUpload {
  uploadKey: string;
  sizeBytes: number;
  contentType: string;
  expiresAt: Date;
  /** The user who asked for it. */
  requestedBy: string;
}

/** The bytes an upload left in storage, as confirmed. */
export interface ConfirmedObject {
  sizeBytes: number;
  contentType: string;
  etag: string | null;
  versionId: string | null;
}

export interface NewPendingFile extends PendingUpload {
  id: string;
  ownerId: string;
  parentFolderId: string | null;
  name: string;
  /** The lower-cased extension, '' without one. */
  type: string;
}

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

/** The same columns, for RETURNING (no table alias there). */
const RETURNED_COLUMNS = ITEM_COLUMNS.replace(/\bi\./g, '');

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
   * Serialises the transactions that change the shape of one owner's tree: two concurrent moves could
   * each pass the cycle check and together make a cycle, and a folder trashed while something is created or
   * moved into it would leave a live item under a deleted one. Held until the transaction ends.
   */
  async lockTree(ownerId: string, manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('items:' || $1))`, [ownerId]);
  }

  /**
   * Locks the trees of the owners of these items (see lockTree), in one order so that two requests never wait for
   * each other; ids without a row lock nothing (the access check then finds them missing).
   */
  async lockTreesOf(ids: string[], manager: EntityManager): Promise<void> {
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('items:' || owner_id))
         FROM (SELECT DISTINCT owner_id::text FROM items WHERE id = ANY($1::uuid[]) ORDER BY 1) owners`,
      [ids],
    );
  }

  /** The item by id, live or in the trash. */
  async findAny(id: string, manager: EntityManager = this.dataSource.manager): Promise<Item | null> {
    const rows = await rowsOf(manager, `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1`, [id]);
    return rows[0] ? toItem(rows[0]) : null;
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

  /** A new file, pending until its upload is confirmed; a taken name is `file_name_conflict`. */
  async insertPendingFile(file: NewPendingFile, manager: EntityManager): Promise<Item> {
    const rows = await orNameConflict(
      rowsOf(
        manager,
        `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, upload_status, content_type,
                            upload_key, upload_size_bytes, upload_content_type, upload_expires_at, upload_requested_by)
         VALUES ($1, $2, $3, 'file', $4, $5, 'pending', $6, $7, $8, $6, $9, $10) RETURNING ${RETURNED_COLUMNS}`,
        [
          file.id,
          file.ownerId,
          file.parentFolderId,
          file.name,
          file.type,
          file.contentType,
          file.uploadKey,
          file.sizeBytes,
          file.expiresAt,
          file.requestedBy,
        ],
      ),
      'file_name_conflict',
      `A file or folder named "${file.name}" already exists there.`,
    );
    return toItem(rows[0]);
  }

  /**
   * Many new pending files in one statement; those whose name is taken (by a live sibling, or by an earlier
   * file of the same batch) are skipped. Answers with the files inserted.
   */
  async insertPendingFiles(files: NewPendingFile[], manager: EntityManager): Promise<Item[]> {
    if (files.length === 0) return [];
    const column = <K extends keyof NewPendingFile>(key: K) => files.map((file) => file[key]);
    const rows = await rowsOf(
      manager,
      `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, upload_status, content_type,
                          upload_key, upload_size_bytes, upload_content_type, upload_expires_at, upload_requested_by)
       SELECT f.id, f.owner_id, f.parent_folder_id, 'file', f.name, f.type, 'pending', f.content_type,
              f.upload_key, f.size_bytes, f.content_type, f.expires_at, f.requested_by
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::timestamptz[], $10::uuid[])
              WITH ORDINALITY AS f(id, owner_id, parent_folder_id, name, type, content_type, upload_key, size_bytes, expires_at, requested_by, position)
        ORDER BY f.position
       ON CONFLICT (owner_id, parent_folder_id, lower(name)) WHERE deleted_at IS NULL AND upload_status IS DISTINCT FROM 'rejected'
       DO NOTHING
       RETURNING ${RETURNED_COLUMNS}`,
      [
        column('id'),
        column('ownerId'),
        column('parentFolderId'),
        column('name'),
        column('type'),
        column('contentType'),
        column('uploadKey'),
        column('sizeBytes'),
        column('expiresAt'),
        column('requestedBy'),
      ],
    );
    return rows.map(toItem);
  }

  /** Deletes rows outright (pending files refused within the transaction that made them). */
  async deleteRows(ids: string[], manager: EntityManager): Promise<void> {
    if (ids.length > 0) await manager.query(`DELETE FROM items WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Records a new upload in flight on an existing file (a "Replace"), superseding any earlier one. */
  async setPendingUpload(id: string, upload: PendingUpload, manager: EntityManager): Promise<Item> {
    const rows = await rowsOf(
      manager,
      `UPDATE items SET upload_key = $2, upload_size_bytes = $3, upload_content_type = $4, upload_expires_at = $5,
              upload_requested_by = $6, last_interaction = now(), updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [id, upload.uploadKey, upload.sizeBytes, upload.contentType, upload.expiresAt, upload.requestedBy],
    );
    return toItem(rows[0]);
  }

  /** The live item named `name` (in any case) directly in the folder, if any. */
  async findLiveSibling(
    ownerId: string,
    parentFolderId: string | null,
    name: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Item | null> {
    const rows = await rowsOf(
      manager,
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
    manager: EntityManager,
  ): Promise<string[]> {
    const like = (text: string) => text.toLowerCase().replace(/[\\%_]/g, '\\$&');
    const rows = await rowsOf(
      manager,
      `SELECT lower(i.name) AS name FROM items i
        WHERE i.owner_id = $1 AND i.parent_folder_id IS NOT DISTINCT FROM $2 AND lower(i.name) LIKE $3
          AND i.deleted_at IS NULL AND i.upload_status IS DISTINCT FROM 'rejected'`,
      [ownerId, parentFolderId, `${like(stem)}(%)${like(extension)}`],
    );
    return rows.map((row) => String(row.name));
  }

  /** The item, locked for the rest of the transaction (confirmations of one file run one at a time). */
  async lock(id: string, manager: EntityManager): Promise<Item | null> {
    const rows = await rowsOf(manager, `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /**
   * The pending upload becomes the file's bytes, pinned by their ETag (and version). Its preview starts again:
   * `pending` when the workers will make one (the bytes are an image they preview), else what `previewStatus` says.
   */
  async confirmUpload(
    id: string,
    upload: ConfirmedObject & { previewStatus: PreviewStatus },
    manager: EntityManager,
  ): Promise<Item> {
    const rows = await rowsOf(
      manager,
      `UPDATE items SET upload_status = 'confirmed', object_key = upload_key, size_bytes = $2, content_type = $3,
              object_etag = $5, object_version_id = $6,
              upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
              upload_requested_by = NULL,
              preview_status = $4, preview_width = NULL, preview_height = NULL,
              duration_ms = NULL, media_width = NULL, media_height = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [id, upload.sizeBytes, upload.contentType, upload.previewStatus, upload.etag, upload.versionId],
    );
    return toItem(rows[0]);
  }

  /**
   * Records a pending preview's outcome, if the file's bytes are still those of `objectKey`; returns whether it
   * did (a repeat, or a preview of bytes since replaced, changes nothing).
   */
  async settlePreview(
    id: string,
    preview: {
      status: PreviewStatus;
      width: number | null;
      height: number | null;
      objectKey: string | null;
      durationMs: number | null;
      mediaWidth: number | null;
      mediaHeight: number | null;
    },
  ): Promise<boolean> {
    const [, affected] = await this.dataSource.query(
      `UPDATE items SET preview_status = $2, preview_width = $3, preview_height = $4,
              duration_ms = $6, media_width = $7, media_height = $8
        WHERE id = $1 AND kind = 'file' AND upload_status = 'confirmed' AND preview_status = 'pending'
          AND ($5::varchar IS NULL OR object_key = $5)`,
      [
        id,
        preview.status,
        preview.width,
        preview.height,
        preview.objectKey,
        preview.durationMs,
        preview.mediaWidth,
        preview.mediaHeight,
      ],
    );
    return affected === 1;
  }

  /**
   * The pending upload is refused: a first upload leaves a rejected file (which frees its name and is never
   * listed); a replacement is simply forgotten and the file keeps its bytes.
   */
  async rejectUpload(id: string, manager: EntityManager): Promise<Item> {
    const rows = await rowsOf(
      manager,
      `UPDATE items SET upload_status = CASE WHEN object_key IS NULL THEN 'rejected' ELSE upload_status END,
              upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
              upload_requested_by = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${RETURNED_COLUMNS}`,
      [id],
    );
    return toItem(rows[0]);
  }

  /** The top-level item of a trash entry (deleted itself, not with a folder), if it is one. */
  async findTrashRoot(id: string, manager: EntityManager = this.dataSource.manager): Promise<Item | null> {
    const rows = await rowsOf(
      manager,
      `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1 AND i.trash_root_id = i.id`,
      [id],
    );
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
    const rows: Row[] = await this.dataSource.query(
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
  async restore(
    rootId: string,
    place: { parentFolderId: string | null; name: string },
    manager: EntityManager,
  ): Promise<Item> {
    // The root takes its new place and name first, while still out of the live names' index: brought back
    // under its old name, it would collide with the live sibling that made it need a new one.
    await this.update(rootId, place, 'file_name_conflict', manager);
    const rows = await orNameConflict(
      rowsOf(
        manager,
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
  async purge(rootId: string, manager: EntityManager): Promise<PurgedItem[]> {
    await rowsOf(
      manager,
      `UPDATE items SET parent_folder_id = NULL
        WHERE trash_root_id = id AND id <> $1
          AND parent_folder_id IN (SELECT id FROM items WHERE trash_root_id = $1)`,
      [rootId],
    );
    const rows = await rowsOf(
      manager,
      `DELETE FROM items WHERE trash_root_id = $1
       RETURNING id, owner_id AS "ownerId", kind, upload_status AS "uploadStatus", object_key AS "objectKey",
                 size_bytes AS "sizeBytes", upload_key AS "uploadKey", upload_size_bytes AS "uploadSizeBytes"`,
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
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM items WHERE trash_root_id = id AND deleted_at < $1 ORDER BY deleted_at LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The owner's trash entries, all of them (emptying the trash). */
  async trashRootsOf(ownerId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM items WHERE owner_id = $1 AND trash_root_id = id`,
      [ownerId],
    );
    return rows.map((row) => row.id);
  }

  /** Uploads in flight whose URL was handed out before `requestedBefore`, oldest first (the reconciler). */
  async pendingUploads(requestedBefore: Date, ttlSeconds: number, limit: number): Promise<Item[]> {
    const rows = await this.dataSource.query(
      `SELECT ${ITEM_COLUMNS} FROM items i
        WHERE i.upload_key IS NOT NULL AND i.upload_expires_at < $1::timestamptz + make_interval(secs => $2)
        ORDER BY i.upload_expires_at LIMIT $3`,
      [requestedBefore, ttlSeconds, limit],
    );
    return rows.map(toItem);
  }

  /**
   * Forgets an upload that never arrived, if it is still the one in flight: a first upload's row goes, a
   * replacement is cleared from its file. Answers with the bytes it had reserved (0 when already settled).
   */
  async forgetUpload(
    id: string,
    uploadKey: string,
    manager: EntityManager,
  ): Promise<{ ownerId: string; reserved: number } | null> {
    const deleted = await rowsOf(
      manager,
      `DELETE FROM items WHERE id = $1 AND upload_key = $2 AND object_key IS NULL
       RETURNING owner_id AS "ownerId", upload_size_bytes AS "reserved"`,
      [id, uploadKey],
    );
    const cleared = deleted.length
      ? deleted
      : await rowsOf(
          manager,
          `UPDATE items i SET upload_key = NULL, upload_size_bytes = NULL, upload_content_type = NULL, upload_expires_at = NULL,
                  upload_requested_by = NULL
             FROM (SELECT id, upload_size_bytes FROM items WHERE id = $1 AND upload_key = $2 FOR UPDATE) before
            WHERE i.id = before.id
           RETURNING i.owner_id AS "ownerId", before.upload_size_bytes AS "reserved"`,
          [id, uploadKey],
        );
    return cleared[0] ? { ownerId: String(cleared[0].ownerId), reserved: Number(cleared[0].reserved) } : null;
  }

  /**
   * Previews still pending since before `before` (a worker died, or the event went to the dead-letter queue):
   * marked failed, at most `limit` of them, so that clients stop waiting. Answers how many.
   */
  async abandonPreviews(before: Date, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query(
      `UPDATE items SET preview_status = 'failed'
        WHERE id IN (SELECT id FROM items WHERE preview_status = 'pending' AND updated_at < $1 LIMIT $2)
          AND preview_status = 'pending'`,
      [before, limit],
    );
    return affected as number;
  }

  /** Which of these ids are files (live or in the trash) whose preview is stored or being made. */
  async withPreviews(ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM items WHERE id = ANY($1::uuid[]) AND kind = 'file' AND preview_status IN ('pending', 'ready')`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** For each id that has a row: the objects the row points at (its bytes and its upload in flight). */
  async referencedKeys(ids: string[]): Promise<Set<string>> {
    const rows: { objectKey: string | null; uploadKey: string | null }[] = await this.dataSource.query(
      `SELECT object_key AS "objectKey", upload_key AS "uploadKey" FROM items WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Set(rows.flatMap((row) => [row.objectKey, row.uploadKey]).filter((key): key is string => !!key));
  }

  /** Renames and/or moves an item; a taken name at the destination is the given conflict. */
  async update(
    id: string,
    change: { name?: string; type?: string; parentFolderId?: string | null },
    conflict: ErrorCode,
    manager: EntityManager,
  ): Promise<Item> {
    const rows = await orNameConflict(
      rowsOf(
        manager,
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
    const statement = listingStatement(query);
    const rows: Row[] = await this.dataSource.query(statement.text, statement.values);
    const { page, resumeAfter: last } = splitPage(rows, query.limit);
    return {
      items: page.map(toItem),
      next: last ? { rank: last.kind === 'file' ? 1 : 0, key: String(last.sortKey), id: String(last.id) } : undefined,
    };
  }

  /**
   * The files of a folder (or the root) whose first upload is awaited or was refused, newest first: they are not
   * listed with the rest, yet an awaited one holds its name. At most `limit`.
   */
  async unconfirmedFiles(ownerId: string, parentFolderId: string | null, limit: number): Promise<Item[]> {
    // `IS NULL` and `=` rather than IS NOT DISTINCT FROM, which no index answers.
    const parent = parentFolderId === null ? 'i.parent_folder_id IS NULL' : 'i.parent_folder_id = $3';
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${ITEM_COLUMNS} FROM items i
        WHERE i.owner_id = $1 AND ${parent} AND i.object_key IS NULL AND i.kind = 'file' AND i.deleted_at IS NULL
        ORDER BY i.created_at DESC, i.id DESC LIMIT $2`,
      parentFolderId === null ? [ownerId, limit] : [ownerId, limit, parentFolderId],
    );
    return rows.map(toItem);
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
