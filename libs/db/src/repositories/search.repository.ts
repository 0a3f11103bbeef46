import { Injectable } from '@nestjs/common';
import { PathEntry } from './items.repository';
import { foldersBelowCte, grantsCtes, standingSql } from './access-rule';
import { SqlRepository } from '../transactions';
import { ITEM_COLUMNS, LISTED, splitPage, toItem } from './item-rows';
import { ItemAccess, Standing } from './access.repository';

/** Whose items a search looks at: the caller's own, those of others shared with them, or both. */
export const SEARCH_OWNERS = ['mine', 'shared', 'all'] as const;
export type SearchOwner = (typeof SEARCH_OWNERS)[number];

/**
 * The families of content types a search can ask for, by the content type sniffed from a file's bytes (its
 * parameters, such as `; charset=utf-8`, ignored; `%` is any rest). Folders belong to none.
 */
export const CONTENT_FAMILIES = {
  image: ['image/%'],
  pdf: ['application/pdf'],
  video: ['video/%'],
  audio: ['audio/%'],
  text: [
    'text/%',
    'application/json',
    'application/xml',
    'application/yaml',
    'application/x-yaml',
    'application/toml',
    'application/javascript',
    'application/x-sh',
    'application/sql',
  ],
  archive: [
    'application/zip',
    'application/x-zip-compressed',
    'application/x-tar',
    'application/gzip',
    'application/x-gzip',
    'application/x-bzip2',
    'application/x-xz',
    'application/zstd',
    'application/x-7z-compressed',
    'application/vnd.rar',
    'application/x-rar-compressed',
    'application/java-archive',
  ],
} as const satisfies Record<string, readonly string[]>;
export type ContentFamily = keyof typeof CONTENT_FAMILIES;

/** Where a search page resumes: the last hit's relevance, lower-cased name and id. */
export interface SearchCursor {
  rank: number;
  name: string;
  id: string;
}

export interface SearchQuery {
  userId: string;
  /** What the names must contain (NFC, trimmed); case and accents do not count. */
  text: string;
  owner: SearchOwner;
  kind?: 'file' | 'folder';
  family?: ContentFamily;
  /** Inclusive bounds on last_interaction. */
  lastInteractionFrom?: Date;
  lastInteractionTo?: Date;
  /** Inclusive bounds on a file's size (folders have none: a bound leaves them out). */
  sizeFrom?: number;
  sizeTo?: number;
  /** Only what is below this folder, at any depth (the caller may see the folder: checked before). */
  within?: { folderId: string; ownerId: string };
  limit: number;
  after?: SearchCursor;
}

/** A hit: the item, the caller's standing on it, and its relevance. */
export interface SearchHit extends ItemAccess {
  standing: Standing;
}

export interface SearchPage {
  hits: SearchHit[];
  next: SearchCursor | undefined;
}

/** Relevance, best first: the whole name, its start, the start of one of its words, anywhere in it. */
export const RELEVANCE = { exact: 0, prefix: 1, word: 2, inside: 3 } as const;

// Word separators in names, each mapped to a space to find where words start.
const SEPARATORS = ` _-.,;:()[]{}+&'"`;
const SPACES = ' '.repeat(SEPARATORS.length);

/**
 * Search by name over what the user may see, with the search key of migration AddNameSearch (case and accents
 * folded). Matching is a substring test answered by the index items_search_idx, one scan per owner searched: the
 * caller, and those who share something with them (a tree never mixes owners, so nobody else's items can be reached
 * through a grant). Of others' items, those their grants reach are kept (foldersBelowCte); the page's hits are then
 * judged by the access rule (grantsCtes) for their permission.
 */
@Injectable()
export class SearchRepository extends SqlRepository {
  async search(query: SearchQuery): Promise<SearchPage> {
    const statement = searchStatement(query);
    const rows = await this.rows(statement.text, statement.values);
    const { page, resumeAfter: last } = splitPage(rows, query.limit);
    return {
      hits: page.map((row) => ({
        item: toItem(row),
        ownerUsername: String(row.ownerUsername),
        standing: row.standing as Standing,
        grantDepth: row.grantDepth === null ? null : Number(row.grantDepth),
      })),
      next: last ? { rank: Number(last.rank), name: String(last.nameKey), id: String(last.id) } : undefined,
    };
  }

  /** Each item's ancestors, from the root down (the item excluded), for a page of hits: one statement. */
  async ancestors(ids: string[]): Promise<Map<string, PathEntry[]>> {
    const paths = new Map<string, PathEntry[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return paths;
    const rows = (await this.rows(
      `WITH RECURSIVE up AS (
         SELECT i.id AS target, i.parent_folder_id AS next, 0 AS depth FROM items i WHERE i.id = ANY($1::uuid[])
         UNION ALL
         SELECT up.target, p.parent_folder_id, up.depth + 1
           FROM up CROSS JOIN LATERAL (SELECT p.parent_folder_id FROM items p WHERE p.id = up.next LIMIT 1) p
       )
       SELECT up.target, f.id, f.name FROM up JOIN items f ON f.id = up.next ORDER BY up.target, up.depth DESC`,
      [ids],
    )) as { target: string; id: string; name: string }[];
    for (const row of rows) paths.get(row.target)!.push({ id: row.id, name: row.name });
    return paths;
  }
}

/** The SQL of a search page (exported so the benchmark's ceiling runs exactly the same). */
export function searchStatement(query: SearchQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [query.userId, query.text, query.limit + 1];
  const param = (value: unknown) => `$${values.push(value)}`;
  const key = 'item_search_key(i.name)';
  const wanted = 'item_search_key($2)';
  const words = (text: string) => `' ' || translate(${text}, '${SEPARATORS.replace(/'/g, "''")}', '${SPACES}')`;
  const rank = `CASE WHEN ${key} = ${wanted} THEN ${RELEVANCE.exact}
                     WHEN starts_with(${key}, ${wanted}) THEN ${RELEVANCE.prefix}
                     WHEN strpos(${words(key)}, ${words(wanted)}) > 0 THEN ${RELEVANCE.word}
                     ELSE ${RELEVANCE.inside} END`;
  // Whose trees to search: one index scan each (the index leads with the owner), so that the names of people who
  // share nothing with the caller are never read. Others' items can only be reached through their shares.
  const sharers = `SELECT DISTINCT si.owner_id FROM shares s JOIN items si ON si.id = s.item_id WHERE s.recipient_id = $1`;
  const scopeOwner = query.within && `${param(query.within.ownerId)}::uuid`;
  const owners = scopeOwner
    ? `SELECT ${scopeOwner} AS id WHERE ${{ mine: `${scopeOwner} = $1`, shared: `${scopeOwner} <> $1`, all: 'TRUE' }[query.owner]}`
    : {
        mine: 'SELECT $1::uuid AS id',
        shared: `SELECT owner_id AS id FROM (${sharers}) o`,
        all: `SELECT $1::uuid AS id UNION ALL SELECT owner_id FROM (${sharers}) o`,
      }[query.owner];
  const filters: string[] = [];
  if (query.kind) filters.push(`i.kind = ${param(query.kind)}`);
  if (query.family) {
    filters.push(
      `lower(btrim(split_part(i.content_type, ';', 1))) LIKE ANY (${param(CONTENT_FAMILIES[query.family])}::text[])`,
    );
    filters.push(`i.kind = 'file'`);
  }
  if (query.lastInteractionFrom) filters.push(`i.last_interaction >= ${param(query.lastInteractionFrom)}`);
  if (query.lastInteractionTo) filters.push(`i.last_interaction <= ${param(query.lastInteractionTo)}`);
  if (query.sizeFrom !== undefined) filters.push(`i.size_bytes >= ${param(query.sizeFrom)}`);
  if (query.sizeTo !== undefined) filters.push(`i.size_bytes <= ${param(query.sizeTo)}`);
  const after = query.after;
  const resume = after
    ? `AND (m.rank, m."nameKey", m.id) > (${param(after.rank)}::int, ${param(after.name)}::text, ${param(after.id)}::uuid)`
    : '';
  // Which candidates the caller may see: below the folder searched in (which they may see: checked before), or
  // their own and what their grants reach. The page alone is then judged upward (grantsCtes) for each hit's
  // permission and how much of its path is theirs to see.
  const reach = query.within
    ? foldersBelowCte('reach', `SELECT id, owner_id FROM items WHERE id = ${param(query.within.folderId)}::uuid`)
    : foldersBelowCte(
        'reach',
        `SELECT si.id, si.owner_id FROM shares s JOIN items si ON si.id = s.item_id WHERE s.recipient_id = $1`,
      );
  const visible = query.within
    ? `i.parent_folder_id IN (SELECT id FROM reach)`
    : `(i.owner_id = $1 OR i.id IN (SELECT id FROM reach) OR i.parent_folder_id IN (SELECT id FROM reach))`;
  const escaped = `replace(replace(replace(${wanted}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
  return {
    text: `WITH RECURSIVE ${reach},
           matched AS (
             SELECT m.* FROM (
               SELECT i.id, i.parent_folder_id, i.owner_id, ${rank} AS rank, lower(i.name) AS "nameKey"
                 FROM (${owners}) o
                      JOIN items i ON i.owner_id = o.id
                WHERE ${key} LIKE '%' || ${escaped} || '%' AND ${LISTED} AND ${visible}
                      ${filters.map((filter) => `AND ${filter}`).join(' ')}
             ) m
            WHERE TRUE ${resume}
           ),
           page AS MATERIALIZED (SELECT * FROM matched m ORDER BY m.rank, m."nameKey", m.id LIMIT $3),
           ${grantsCtes(`SELECT id, parent_folder_id FROM page WHERE owner_id <> $1`, '$1')}
           SELECT ${ITEM_COLUMNS}, u.username AS "ownerUsername", ${standingSql('i.owner_id', 'g', '$1')} AS standing,
                  g.depth AS "grantDepth", page.rank, page."nameKey"
             FROM page JOIN items i ON i.id = page.id JOIN users u ON u.id = i.owner_id
                  LEFT JOIN granted g ON g.target = page.id
            WHERE i.owner_id = $1 OR g.target IS NOT NULL
            ORDER BY page.rank, page."nameKey", page.id`,
    values,
  };
}
