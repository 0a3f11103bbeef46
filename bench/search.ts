/**
 * `npm run bench -- search`: GET /search over a drive of many users, against the PostgreSQL server (1,000,000 items
 * over 100 users) and the embedded one (a smaller set), beside its ceiling measured in the same run: the very same
 * SQL (searchStatement) sent straight to the database with `pg`, no HTTP, no JWT, no presenting.
 *
 * The data is bulk-loaded with generate_series in one statement per table (the items' indexes dropped meanwhile and
 * made again after, as a restore would): per user, 1,000 folders in trees 4 levels deep (20 at the root), and files
 * in them (2 % of them at the root, 2 % in the trash), named as people name things: `IMG_00042.jpg`, `Budget Réunion
 * 1234.xlsx`, `Été Vacances 987.pdf`… Shares: each user shares 10 folders (one at their root, nine deeper) with other
 * users, one to view or edit, so that each user reaches about 10 other users' trees.
 */
import bcrypt from 'bcryptjs';
import { Client } from 'pg';
import { CONTENT_FAMILIES, SearchQuery, searchStatement } from '../libs/db/src/repositories/search.repository';

// Words of names, some with accents (searched for without them).
const WORDS = [
  'Budget',
  'Invoice',
  'Facture',
  'Report',
  'Rapport',
  'Contract',
  'Meeting',
  'Notes',
  'Plan',
  'Design',
  'Draft',
  'Final',
  'Summary',
  'Presentation',
  'Quarterly',
  'Annual',
  'Tax',
  'Receipt',
  'Travel',
  'Holiday',
  'Vacances',
  'Project',
  'Roadmap',
  'Specs',
  'Minutes',
  'Agenda',
  'Proposal',
  'Resume',
  'Letter',
  'Scan',
  'Statement',
  'Bank',
  'Insurance',
  'Lease',
  'Recipe',
  'Wedding',
  'Birthday',
  'Garden',
  'House',
  'School',
  'Homework',
  'Thesis',
  'Chapter',
  'Backup',
  'Export',
  'Sales',
  'Marketing',
  'Photo',
  'Réunion',
  'Été',
  'Café',
  'Noël',
  'Crème',
  'Façade',
  'Zürich',
  'Málaga',
  'Résumé',
  'Août',
  'Année',
  'Société',
  'Équipe',
  'Pièce',
  'Straße',
  'Øresund',
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const FOLDER_WORDS = [
  'Documents',
  'Photos',
  'Projects',
  'Archive',
  'Work',
  'Personal',
  'Family',
  'Taxes',
  'Music',
  'Videos',
  'Clients',
  'Été',
  'Vacances',
  'École',
  'Réunions',
  'Factures',
  'Design',
  'Finance',
  'Legal',
  'Shared',
];
// Per file kind (by a hash, out of 10): extension and content type; photos are a third of the files.
const FILE_KINDS: [string, string][] = [
  ['jpg', 'image/jpeg'],
  ['jpg', 'image/jpeg'],
  ['jpg', 'image/jpeg'],
  ['pdf', 'application/pdf'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['md', 'text/markdown'],
  ['mp4', 'video/mp4'],
  ['mp3', 'audio/mpeg'],
  ['zip', 'application/zip'],
];

export const PASSWORD = 'bench-password';
const FOLDERS_PER_USER = 1000;

/** A version-4-shaped UUID made from a text (md5), as the ids the API hands out and accepts. */
const idOf = (text: string) => `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;

const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]::text[]`;

/**
 * Loads `users` users of `itemsPerUser` items each, and their shares, into a migrated, empty database. Answers with
 * the users' names, in order.
 */
export async function loadSearchData(client: Client, users: number, itemsPerUser: number): Promise<string[]> {
  const hash = bcrypt.hashSync(PASSWORD, 4); // the cost is in the hash: logins stay quick
  await client.query(
    `INSERT INTO users (username, email, password_hash, quota_bytes)
     SELECT 'searcher_' || lpad(u::text, 3, '0'), 'searcher_' || u || '@example.com', $1, 1099511627776
       FROM generate_series(0, $2 - 1) u`,
    [hash, users],
  );
  const indexes: { def: string; name: string }[] = (
    await client.query(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'items' AND indexname <> 'items_pkey'`,
    )
  ).rows;
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  const words = sqlArray(WORDS);
  const folderWords = sqlArray(FOLDER_WORDS);
  const extensions = sqlArray(FILE_KINDS.map(([extension]) => extension));
  const types = sqlArray(FILE_KINDS.map(([, type]) => type));
  const item = (n: string) => idOf(`u.id::text || ':' || (${n})`);
  await client.query(
    `INSERT INTO items (id, owner_id, parent_folder_id, kind, name, type, size_bytes, content_type, upload_status,
                        object_key, created_at, updated_at, last_interaction, deleted_at, trash_root_id)
     SELECT ${item('n')}, u.id,
            CASE WHEN n < 20 THEN NULL WHEN n < ${FOLDERS_PER_USER} THEN ${item('(n - 20) / 5')}
                 WHEN h % 50 = 0 THEN NULL ELSE ${item(`h % ${FOLDERS_PER_USER}`)} END,
            CASE WHEN folder THEN 'folder' ELSE 'file' END,
            CASE WHEN folder THEN (${folderWords})[1 + h % ${FOLDER_WORDS.length}] || ' ' || n
                 WHEN h % 10 < 3 THEN 'IMG_' || lpad(n::text, 5, '0') || '.jpg'
                 ELSE (${words})[1 + h % ${WORDS.length}] || ' ' || (${words})[1 + (h / 100) % ${WORDS.length}]
                      || ' ' || n || '.' || (${extensions})[1 + h % 10] END,
            CASE WHEN folder THEN NULL ELSE (${extensions})[1 + h % 10] END,
            CASE WHEN folder THEN NULL ELSE 1000 + (h % 5000000) END,
            CASE WHEN folder THEN NULL ELSE (${types})[1 + h % 10] END,
            CASE WHEN folder THEN NULL ELSE 'confirmed' END,
            CASE WHEN folder THEN NULL ELSE 'files/' || u.id || '/' || ${item('n')} END,
            when_, when_, when_,
            CASE WHEN NOT folder AND h % 50 = 1 THEN now() END,
            CASE WHEN NOT folder AND h % 50 = 1 THEN ${item('n')} END
       FROM users u CROSS JOIN generate_series(0, $1 - 1) n
            CROSS JOIN LATERAL (SELECT abs(hashtext(u.id::text || n)) AS h, n < ${FOLDERS_PER_USER} AS folder) x
            CROSS JOIN LATERAL (SELECT now() - make_interval(mins => h % 1000000) AS when_) t`,
    [itemsPerUser],
  );
  for (const index of indexes) await client.query(index.def);
  // Each user shares 10 folders: one at their root, nine deeper; with others chosen by a hash, to view or edit.
  await client.query(
    `WITH numbered AS (SELECT id, row_number() OVER (ORDER BY username) - 1 AS i FROM users),
          picks AS (
            SELECT u.id AS owner, u.i, k, abs(hashtext(u.id::text || ':share:' || k)) AS h
              FROM numbered u CROSS JOIN generate_series(0, 9) k
          )
     INSERT INTO shares (item_id, recipient_id, permission)
     SELECT ${idOf(`p.owner::text || ':' || (CASE WHEN k = 0 THEN h % 20 ELSE 20 + h % ${FOLDERS_PER_USER - 20} END)`)},
            r.id, CASE WHEN h % 3 = 0 THEN 'edit' ELSE 'view' END
       FROM picks p JOIN numbered r ON r.i = (p.i + 1 + (p.h / 7) % ($1 - 1)) % $1
     ON CONFLICT DO NOTHING`,
    [users],
  );
  // As autovacuum leaves a table that has settled: statistics, and every row's visibility known (else the first
  // searches would each pay for marking the rows they read, and the first timed ones would carry it).
  await client.query('VACUUM ANALYZE users');
  await client.query('VACUUM ANALYZE items');
  await client.query('VACUUM ANALYZE shares');
  return Array.from({ length: users }, (_, u) => `searcher_${String(u).padStart(3, '0')}`);
}

/** How to read the search rows (written under the table by every run). */
export const SEARCH_NOTES = [
  'Search figures: each GET /search is followed by the same statement sent straight to the database ("SQL"), so both carry that moment\'s noise; "in a loop of its own" is the statement timed alone, before, its floor. What the API adds to its SQL is what GET /user costs (the token\'s check reads its user: one more round trip) plus presenting up to 100 hits (about 75 KB of JSON), and with the load generator, the API and PostgreSQL on two cores that other work shares, each of those steps may wait for a core: the load average in the header says how far from quiet a run was. Every plan reads the index of its part alone (the caller\'s own tree, the folders shared with them), so what a search costs grows with what the caller may see, not with the table.',
];

/** A typical search, for one user: the API's query string and the repository's query. */
export interface SearchCase {
  label: string;
  params: Record<string, string>;
  /** Whether the goal applies (typical queries); the others are shown for what they cost. */
  typical: boolean;
  /** The index its plan must read (EXPLAIN), for the cases whose plan is checked. */
  index?: 'items_search_idx' | 'items_word_starts_idx';
}

export const SEARCH_CASES: SearchCase[] = [
  {
    label: 'q=budget (a common word), all I can see',
    params: { q: 'budget' },
    typical: true,
    index: 'items_search_idx',
  },
  {
    label: 'q=reunion (finds Réunion), mine',
    params: { q: 'reunion', owner: 'mine' },
    typical: true,
    index: 'items_search_idx',
  },
  { label: 'q=invoice, content_family=pdf', params: { q: 'invoice', content_family: 'pdf' }, typical: true },
  { label: 'q=4821 (a rare string)', params: { q: '4821' }, typical: true },
  { label: 'q=photo in one of my root folders', params: { q: 'photo', folder: 'root' }, typical: true },
  { label: 'q=ete, shared with me', params: { q: 'ete', owner: 'shared' }, typical: true },
  // Two letters have no trigram: they match where words start (Annual, Année…), through their own index.
  {
    label: 'q=an (two letters: where words start), all I can see',
    params: { q: 'an' },
    typical: true,
    index: 'items_word_starts_idx',
  },
  // A word in nearly every name: thousands of matches to rank, shown for what that costs.
  { label: 'q=jpg (matches a third of all names)', params: { q: 'jpg' }, typical: false },
];

/** The repository's query for a case, as the API would make it (the folder: the user's first root folder). */
export function repositoryQuery(searchCase: SearchCase, userId: string, rootFolderId: string): SearchQuery {
  const { q, owner, content_family, folder } = searchCase.params;
  return {
    userId,
    text: q,
    owner: (owner as SearchQuery['owner']) ?? 'all',
    family: content_family as keyof typeof CONTENT_FAMILIES | undefined,
    within: folder ? { folderId: rootFolderId, ownerId: userId } : undefined,
    limit: 100,
  };
}

/** The query string of a case for the API. */
export function apiQuery(searchCase: SearchCase, rootFolderId: string): string {
  const { folder, ...params } = searchCase.params;
  return new URLSearchParams({ ...params, ...(folder ? { folder_id: rootFolderId } : {}), limit: '100' }).toString();
}

/** The first root folder of each user (the one a scoped case searches in). */
export async function rootFolders(
  client: Client,
  usernames: string[],
): Promise<Map<string, { userId: string; folderId: string }>> {
  const rows: { username: string; userId: string; folderId: string }[] = (
    await client.query(
      `SELECT u.username, u.id AS "userId", ${idOf(`u.id::text || ':0'`)} AS "folderId" FROM users u WHERE u.username = ANY($1)`,
      [usernames],
    )
  ).rows;
  return new Map(rows.map((row) => [row.username, { userId: row.userId, folderId: row.folderId }]));
}

/** The plan of a case's statement, and whether it reads that index. */
export async function planOf(
  client: Client,
  query: SearchQuery,
  index: string,
): Promise<{ usesIndex: boolean; text: string }> {
  const statement = searchStatement(query);
  const rows: { 'QUERY PLAN': string }[] = (await client.query(`EXPLAIN ${statement.text}`, statement.values)).rows;
  const text = rows.map((row) => row['QUERY PLAN']).join('\n');
  return { usesIndex: text.includes(index), text };
}
