import { Injectable } from '@nestjs/common';
import { ChangeKind } from '../entities';
import { SqlRepository } from '../transactions';
import { Row } from './item-rows';

/** A change addressed to one user, before it is numbered. */
export interface ChangeEntry {
  userId: string;
  kind: ChangeKind;
  itemId: string | null;
  itemKind: 'file' | 'folder' | null;
  name: string | null;
  parentFolderId: string | null;
  data: Record<string, unknown> | null;
}

/** A change as written: numbered in its user's feed. */
export interface StoredChange extends ChangeEntry {
  seq: number;
  createdAt: Date;
}

/** One user who hears about an item, and the item as that user sees it now. */
export interface Listener {
  itemId: string;
  itemKind: 'file' | 'folder';
  name: string;
  ownerId: string;
  userId: string;
  /** The item's folder, when this user can see that folder; else null. */
  parentFolderId: string | null;
}

/** Where a user's feed stands: the last number given, and the last one the retention deleted. */
export interface FeedState {
  lastSeq: number;
  purgedSeq: number;
}

/** A ticket taken: whose it was, while it was valid. */
export interface TakenTicket {
  userId: string;
  tokenVersion: number;
  expiresAt: Date;
}

const CHANGE_COLUMNS = `user_id AS "userId", seq, kind, item_id AS "itemId", item_kind AS "itemKind", name,
  parent_folder_id AS "parentFolderId", data, created_at AS "createdAt"`;

/**
 * The change log: who hears about an item, the per-user feeds (numbered in commit order), their retention, and the
 * tickets that open an event stream.
 */
@Injectable()
export class ChangesRepository extends SqlRepository {
  /**
   * Everyone who can see each item now, with the item as each sees it: its owner, and each user a share on the item
   * or on a folder above it reaches (the walk up ignores the trash, so a trashed item's audience is who saw it).
   * A share on the item itself shows the item but not its folder.
   */
  async listenersOf(itemIds: string[]): Promise<Listener[]> {
    if (itemIds.length === 0) return [];
    const rows = await this.rows(
      `WITH RECURSIVE chain AS (
         SELECT i.id AS target, i.id, i.parent_folder_id, 0 AS depth FROM items i WHERE i.id = ANY($1::uuid[])
         UNION ALL
         SELECT c.target, p.id, p.parent_folder_id, c.depth + 1
           FROM chain c
           CROSS JOIN LATERAL (SELECT p.id, p.parent_folder_id FROM items p WHERE p.id = c.parent_folder_id LIMIT 1) p
       ), heard AS (
         SELECT i.id AS target, i.owner_id AS user_id, true AS sees_parent FROM items i WHERE i.id = ANY($1::uuid[])
         UNION ALL
         SELECT c.target, s.recipient_id, c.depth > 0 FROM chain c JOIN shares s ON s.item_id = c.id
       )
       SELECT i.id AS "itemId", i.kind AS "itemKind", i.name, i.owner_id AS "ownerId", h.user_id AS "userId",
              CASE WHEN bool_or(h.sees_parent) THEN i.parent_folder_id END AS "parentFolderId"
         FROM heard h JOIN items i ON i.id = h.target
        GROUP BY i.id, i.kind, i.name, i.owner_id, i.parent_folder_id, h.user_id
        ORDER BY i.id, h.user_id`,
      [itemIds],
    );
    return rows as unknown as Listener[];
  }

  /**
   * The shares on items below these (not on them): their recipients see those items only while every folder above
   * is live, so a trash or a restore of these hides or shows them, though they never saw these. Each share's item
   * and recipient.
   */
  async sharedBelow(itemIds: string[]): Promise<{ itemId: string; userId: string }[]> {
    if (itemIds.length === 0) return [];
    const rows = await this.rows(
      `WITH RECURSIVE below AS (
         SELECT i.id FROM items i WHERE i.parent_folder_id = ANY($1::uuid[])
         UNION ALL
         SELECT i.id FROM items i JOIN below b ON i.parent_folder_id = b.id
       )
       SELECT DISTINCT s.item_id AS "itemId", s.recipient_id AS "userId" FROM shares s JOIN below b ON b.id = s.item_id`,
      [itemIds],
    );
    return rows as unknown as { itemId: string; userId: string }[];
  }

  /**
   * Numbers and writes the entries, in the caller's transaction. Each user's feed row is locked until the commit
   * (in user order, so that two writers cannot deadlock), so numbers are handed out in the order the writers
   * commit: a reader that sees number n has already seen every number below it. Entries of a user deleted
   * meanwhile are dropped.
   */
  async append(entries: ChangeEntry[]): Promise<StoredChange[]> {
    if (entries.length === 0) return [];
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.userId, (counts.get(entry.userId) ?? 0) + 1);
    const users = [...counts.keys()].sort();
    const allocated = await this.rows(
      `INSERT INTO change_feeds (user_id, last_seq)
       SELECT t.user_id, t.n FROM unnest($1::uuid[], $2::bigint[]) AS t(user_id, n)
         JOIN users u ON u.id = t.user_id
        ORDER BY t.user_id
       ON CONFLICT (user_id) DO UPDATE SET last_seq = change_feeds.last_seq + EXCLUDED.last_seq
       RETURNING user_id AS "userId", last_seq AS "lastSeq"`,
      [users, users.map((user) => counts.get(user)!)],
    );
    const next = new Map(
      allocated.map((row) => [row.userId as string, Number(row.lastSeq) - counts.get(row.userId as string)! + 1]),
    );
    const numbered = entries.flatMap((entry) => {
      const seq = next.get(entry.userId);
      if (seq === undefined) return [];
      next.set(entry.userId, seq + 1);
      return [{ ...entry, seq }];
    });
    if (numbered.length === 0) return [];
    const written = await this.rows(
      `INSERT INTO changes (user_id, seq, kind, item_id, item_kind, name, parent_folder_id, data)
       SELECT r."userId", r.seq, r.kind, r."itemId", r."itemKind", r.name, r."parentFolderId", r.data
         FROM jsonb_to_recordset($1::jsonb) AS r("userId" uuid, seq bigint, kind varchar, "itemId" uuid,
              "itemKind" varchar, name varchar, "parentFolderId" uuid, data jsonb)
       RETURNING created_at AS "createdAt"`,
      [JSON.stringify(numbered)],
    );
    const createdAt = written[0].createdAt as Date;
    return numbered.map((change) => ({ ...change, createdAt }));
  }

  /** Where the user's feed stands (a user with no change yet stands at 0). */
  async feedState(userId: string): Promise<FeedState> {
    const [row] = await this.rows(
      `SELECT last_seq AS "lastSeq", purged_seq AS "purgedSeq" FROM change_feeds WHERE user_id = $1`,
      [userId],
    );
    return row ? { lastSeq: Number(row.lastSeq), purgedSeq: Number(row.purgedSeq) } : { lastSeq: 0, purgedSeq: 0 };
  }

  /** The user's changes after `afterSeq`, in order, at most `limit`. */
  async changesAfter(userId: string, afterSeq: number, limit: number): Promise<StoredChange[]> {
    const [changes] = await this.changesAfterEach([{ userId, afterSeq, limit }]);
    return changes;
  }

  /**
   * Several reads of `changesAfter` in one statement (each user's changes after its number, in order, at most its
   * limit): the answers in the order asked.
   */
  async changesAfterEach(asks: { userId: string; afterSeq: number; limit: number }[]): Promise<StoredChange[][]> {
    const answers: StoredChange[][] = asks.map(() => []);
    if (asks.length === 0) return answers;
    const rows = await this.rows(
      `SELECT a.n AS "ask", c.* FROM unnest($1::uuid[], $2::bigint[], $3::int[]) WITH ORDINALITY AS a(user_id, after_seq, lim, n)
       CROSS JOIN LATERAL (
         SELECT ${CHANGE_COLUMNS} FROM changes
          WHERE user_id = a.user_id AND seq > a.after_seq ORDER BY seq LIMIT a.lim
       ) c
       ORDER BY a.n, c.seq`,
      [asks.map((ask) => ask.userId), asks.map((ask) => ask.afterSeq), asks.map((ask) => ask.limit)],
    );
    for (const { ask, ...row } of rows) answers[Number(ask) - 1].push(toChange(row));
    return answers;
  }

  /**
   * Deletes up to `limit` changes written before `cutoff` (the retention), and raises each feed's purged mark to
   * the last number deleted: a cursor below it is expired. The number deleted.
   */
  async purgeBefore(cutoff: Date, limit: number): Promise<number> {
    const [row] = await this.rows(
      `WITH gone AS (
         DELETE FROM changes WHERE (user_id, seq) IN (
           SELECT user_id, seq FROM changes WHERE created_at < $1 ORDER BY created_at LIMIT $2
         ) RETURNING user_id, seq
       ), top AS (
         SELECT user_id, max(seq) AS seq FROM gone GROUP BY user_id
       ), marked AS (
         UPDATE change_feeds f SET purged_seq = GREATEST(f.purged_seq, top.seq) FROM top WHERE f.user_id = top.user_id
       )
       SELECT count(*)::int AS count FROM gone`,
      [cutoff, limit],
    );
    return Number(row.count);
  }

  /** A NOTIFY on `channel`: delivered to every listener when the transaction commits, never if it rolls back. */
  async notify(channel: string, payload: string): Promise<void> {
    await this.db.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
  }

  async createTicket(digest: string, userId: string, tokenVersion: number, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO event_tickets (digest, user_id, token_version, expires_at) VALUES ($1, $2, $3, $4)`,
      [digest, userId, tokenVersion, expiresAt],
    );
  }

  /** Takes the ticket: it is gone for whoever asks next. Null when there is none by that digest. */
  async takeTicket(digest: string): Promise<TakenTicket | null> {
    const [row] = await this.rows(
      `DELETE FROM event_tickets WHERE digest = $1
       RETURNING user_id AS "userId", token_version AS "tokenVersion", expires_at AS "expiresAt"`,
      [digest],
    );
    return row ? (row as unknown as TakenTicket) : null;
  }

  /** Deletes the tickets that expired before `now`, never taken. */
  async purgeExpiredTickets(now: Date): Promise<number> {
    return this.affected(`DELETE FROM event_tickets WHERE expires_at < $1`, [now]);
  }
}

function toChange(row: Row): StoredChange {
  return { ...(row as unknown as StoredChange), seq: Number(row.seq) };
}
