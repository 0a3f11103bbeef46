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

/** A hit: the item, the caller's standing on it, and the folders above it from the root down (all of them). */
export interface SearchHit extends ItemAccess {
  standing: Standing;
  path: PathEntry[];
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
 * folded): a substring answered by items_search_idx, or for a text of one or two characters the start of a word,
 * answered by items_word_starts_idx. Both lead with the owner, so each part of the search (the caller's tree; the
 * folders their grants reach, foldersBelowCte) reads its own index and nobody else's names; the page's hits are then
 * judged by the access rule (grantsCtes) for their permission, and that walk up gives their paths.
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
        path: (row.path as PathEntry[] | null) ?? [],
      })),
      next: last ? { rank: Number(last.rank), name: String(last.nameKey), id: String(last.id) } : undefined,
    };
  }
}

/**
 * Texts whose folded key is shorter than this have no trigram to look up: they match the starts of the names' words
 * instead (migration AddSearchWordStarts), the only short match an index can answer without reading every name.
 */
export const SHORTEST_SUBSTRING = 3;

/** The SQL of a search page (exported so the benchmark's ceiling runs exactly the same). */
export function searchStatement(query: SearchQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [query.userId, query.text, query.limit + 1];
  const param = (value: unknown) => `$${values.push(value)}`;
  // The key of a row, for the tests the planner pushes down to its scan; once a row matched, it is computed once
  // more for its rank (a lateral subquery the planner keeps) rather than once per use.
  const rowKey = 'item_search_key(i.name)';
  const key = 'k.key';
  const wanted = 'item_search_key($2)';
  const separators = `'${SEPARATORS.replace(/'/g, "''")}'`;
  const words = (text: string) => `' ' || translate(${text}, ${separators}, '${SPACES}')`;
  const rank = `CASE WHEN ${key} = ${wanted} THEN ${RELEVANCE.exact}
                     WHEN starts_with(${key}, ${wanted}) THEN ${RELEVANCE.prefix}
                     WHEN strpos(${words(key)}, ${words(wanted)}) > 0 THEN ${RELEVANCE.word}
                     ELSE ${RELEVANCE.inside} END`;
  const escaped = `replace(replace(replace(${wanted}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
  // Which of the two tests applies depends on the text only: the planner folds the other away (the text is a
  // constant when it plans), so each search reads the one index that answers it. A short text's exact test
  // (item_word_starts) is slow to compute for a row no index gave: a quick test that it implies comes first.
  const short = `length(${wanted}) < ${SHORTEST_SUBSTRING}`;
  const match = `((${short} AND item_word_starts(i.name) @> ARRAY[${wanted}]
                   AND (strpos(${words(rowKey)}, ${words(wanted)}) > 0
                        OR (strpos(${separators}, left(${wanted}, 1)) > 0 AND strpos(${rowKey}, ${wanted}) > 0)))
                  OR (NOT ${short} AND ${rowKey} LIKE '%' || ${escaped} || '%'))`;
  const filters = [match, LISTED];
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
  const candidates = (from: string, ...where: string[]) =>
    `SELECT i.id, i.parent_folder_id, i.owner_id, ${rank} AS rank, lower(i.name) AS "nameKey"
       FROM ${from} CROSS JOIN LATERAL (SELECT item_search_key(i.name) AS key OFFSET 0) k
      WHERE ${[...where, ...filters].join(' AND ')}`;
  // Where the matches can be, each part read through its own index: the caller's own tree (the search indexes lead
  // with the owner, so nobody else's names are read), and the folders their grants reach (foldersBelowCte) with
  // the items right under them, plus the granted items themselves. Scoped to a folder (which the caller may see:
  // checked before), only that owner's tree is read, and what is below the folder kept.
  let reach: string | undefined;
  const parts: string[] = [];
  if (query.within) {
    const owner = `${param(query.within.ownerId)}::uuid`;
    reach = foldersBelowCte('reach', `SELECT id, owner_id FROM items WHERE id = ${param(query.within.folderId)}::uuid`);
    const whose = { mine: `${owner} = $1`, shared: `${owner} <> $1`, all: 'TRUE' }[query.owner];
    parts.push(candidates('items i', whose, `i.owner_id = ${owner}`, 'i.parent_folder_id IN (SELECT id FROM reach)'));
  } else {
    if (query.owner !== 'shared') parts.push(candidates('items i', 'i.owner_id = $1'));
    if (query.owner !== 'mine') {
      const granted = `SELECT si.id, si.owner_id FROM shares s JOIN items si ON si.id = s.item_id WHERE s.recipient_id = $1`;
      reach = foldersBelowCte('reach', granted);
      parts.push(
        candidates('reach r JOIN items i ON i.owner_id = r.owner_id AND i.parent_folder_id = r.id', 'i.owner_id <> $1'),
        // A granted item not below another grant (those were found just above).
        candidates(
          'shares s JOIN items i ON i.id = s.item_id',
          's.recipient_id = $1',
          'i.owner_id <> $1',
          'NOT EXISTS (SELECT 1 FROM reach r WHERE r.id = i.parent_folder_id)',
        ),
      );
    }
  }
  const after = query.after;
  const resume = after
    ? `WHERE (m.rank, m."nameKey", m.id) > (${param(after.rank)}::int, ${param(after.name)}::text, ${param(after.id)}::uuid)`
    : '';
  // The page alone is then judged upward (grantsCtes) for each hit's permission and how much of its path the caller
  // may see; the same walk gives the path's names.
  return {
    text: `WITH RECURSIVE ${reach ? `${reach},` : ''}
           matched AS (${parts.join(' UNION ALL ')}),
           page AS MATERIALIZED (SELECT * FROM matched m ${resume} ORDER BY m.rank, m."nameKey", m.id LIMIT $3),
           ${grantsCtes('SELECT id, parent_folder_id FROM page', '$1')},
           paths AS (
             SELECT c.target, json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.depth DESC) AS path
               FROM chain c WHERE c.depth > 0 GROUP BY c.target
           )
           SELECT ${ITEM_COLUMNS}, u.username AS "ownerUsername", ${standingSql('i.owner_id', 'g', '$1')} AS standing,
                  g.depth AS "grantDepth", page.rank, page."nameKey", p.path
             FROM page JOIN items i ON i.id = page.id JOIN users u ON u.id = i.owner_id
                  LEFT JOIN granted g ON g.target = page.id LEFT JOIN paths p ON p.target = page.id
            WHERE i.owner_id = $1 OR g.target IS NOT NULL
            ORDER BY page.rank, page."nameKey", page.id`,
    values,
  };
}
