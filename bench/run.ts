/**
 * npm run bench: measures what the issues ask to be measured and writes bench/RESULTS.md.
 *
 * - start-up: from launching the built API (`node dist/apps/api/src/main.js`, what `npm start` runs after
 *   its build) to the first 200 from /health, on a fresh data directory and again on the same one;
 * - GET /verify-token at 32 connections, beside a bare node:http server measured in the same run (the ceiling);
 * - the media worker: previews and profile photos per image kind, one core; upload to a ready preview (bench/media.ts).
 * - sharing: a folder 20 levels deep in a shared tree listed by its recipient and by its owner, and
 *   GET /shared-with-me with 1,000 shares (`npm run bench -- sharing` runs this part alone, and prints it only);
 * - PDF and video previews (bench/media-documents.ts): beside pdftoppm and the ffmpeg command line on the same
 *   files (`npm run bench -- media` runs this part alone, and merges its rows into RESULTS.md).
 * - a folder of 2 GB as one zip (bench/archive.ts): throughput beside plain downloads, the API's memory meanwhile
 *   (`npm run bench -- zip` runs this part alone, and merges its rows into RESULTS.md);
 * - the web app (bench/web.ts): its first load, a large folder rendered in Chromium, uploads through the browser
 *   beside the SDK and curl (`npm run bench -- web` runs this part alone, and merges its rows into RESULTS.md).
 * - the command line (bench/cli.ts): 1,000 files of 10 KB and one of 1 GiB uploaded with `clouddrive`, beside a
 *   Node script with the SDK (`npm run bench -- cli` runs this part alone, and merges its rows into RESULTS.md).
 * - logins: GET /verify-token's p99 on one connection, alone and beside 8 concurrent logins at the default bcrypt
 *   cost (`npm run bench -- logins` runs this part alone, and merges its rows into RESULTS.md).
 * - search (bench/search.ts; `npm run bench -- search` only, merged into RESULTS.md): GET /search over 1,000,000
 *   items of 100 users on the PostgreSQL server of BENCH_DATABASE_URL, and 100,000 of 10 on the embedded one,
 *   beside the same SQL sent straight to the database.
 * - the cache (with BENCH_DATABASE_URL): GET /drive through an API with the cache in Redis, beside the uncached
 *   API and the bare node:http + pg ceiling (`npm run bench -- cache` runs this part alone, merged into RESULTS.md).
 * - live events (bench/events.ts; `npm run bench -- events` only, merged into RESULTS.md): 1,000 SSE streams on one
 *   API process, delivery delays of changes made one at a time and memory per stream, embedded and on the
 *   PostgreSQL server of BENCH_DATABASE_URL, beside a bare node:http SSE server doing the same fan-out.
 *
 * The API runs with RATE_LIMITS_ENABLED=false: the loads are far beyond a client's budgets.
 *
 * The API and the ceiling each run in their own process; autocannon runs here. BENCH_DURATION sets the
 * seconds of each load; BENCH_DATABASE_URL (a PostgreSQL server URL) adds the figures against a real
 * server, in a database made for the run and dropped after it.
 */
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { withoutJit } from '../libs/db/src/data-source.options';
import { EmbeddedPostgres } from '../libs/db/src/embedded/embedded-postgres';
import { searchStatement } from '../libs/db/src/repositories/search.repository';
import { MEDIA_NOTES, measureMediaInChild, mediaRows, uploadToPreviewReady } from './media';
import { documentRows, measureDocuments } from './media-documents';
import { archiveFigures, archiveRows } from './archive';
import { cliFigures, cliRows } from './cli';
import { apiTarget, eventFigures, eventRows, peerRows, peerTarget } from './events';
import {
  PASSWORD,
  SEARCH_CASES,
  SEARCH_NOTES,
  apiQuery,
  loadSearchData,
  planOf,
  repositoryQuery,
  rootFolders,
} from './search';
import { webFigures, webRows } from './web';

const ROOT = join(__dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 32;

interface Started {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the first healthy answer. */
  readyMs: number;
}

/** A port nobody listens on now, so the process can be given it and polled at once. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function start(args: string[], env: Record<string, string>, healthPath: string): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const began = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${args.join(' ')} exited before it was healthy`);
    const healthy = await fetch(url + healthPath).then(
      (res) => res.ok,
      () => false,
    );
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { child, url, readyMs: performance.now() - began };
}

async function stop({ child }: Started): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string> = {}, connections = CONNECTIONS): Promise<Load> {
  await autocannon({ url, connections, duration: 2, headers }); // warm-up
  const result = await autocannon({ url, connections, duration: DURATION, headers });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** Registers a user (or logs the one of that name in again) and answers with a bearer token for it. */
async function tokenFor(url: string, username = 'bench_user'): Promise<string> {
  const user = { username, email: `${username}@example.com`, password: 'bench-password' };
  const post = (path: string, body: unknown) =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/user', user);
  const login = await post('/login', { username: user.username, password: user.password });
  return ((await login.json()) as { access_token: string }).access_token;
}

/** GET /verify-token under load against a running API. */
async function loadVerifyToken(api: Started, database: string): Promise<Load> {
  const token = await tokenFor(api.url);
  console.log(`GET /verify-token (${database}), ${CONNECTIONS} connections, ${DURATION} s…`);
  return load(`${api.url}/verify-token`, { authorization: `Bearer ${token}` });
}

/** A fresh database on the server of BENCH_DATABASE_URL (dropped afterwards), or nothing when it is unset. */
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return undefined;
  const name = `clouddrive_bench_${Date.now()}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: server });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Milliseconds of each call of `work`, run `times` times one after another: the median and the 95th percentile. */
async function timed(times: number, work: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await work(i);
    samples.push(performance.now() - began);
  }
  return percentiles(samples);
}

/** The median and the 95th percentile of some milliseconds. */
function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95) };
}

/** The process's resident memory now, in MiB (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const res = await response;
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function client(url: string, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    get: <T>(path: string) => json<T>(fetch(url + path, { headers })),
    post: <T>(path: string, body: unknown) =>
      json<T>(fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) })),
  };
}

/** POST /files with 100 new files, `times` times. */
async function hundredFileRequests(url: string, token: string, times: number): Promise<{ p50: number; p95: number }> {
  const api = client(url, token);
  const folder = await api.post<{ id: string }>('/drive', { folder_name: `batch-${Date.now()}` });
  return timed(times, (round) =>
    api.post('/files', {
      files: Array.from({ length: 100 }, (_, i) => ({
        file_name: `r${round}-f${i}.txt`,
        file_size_in_bytes: 1024,
        parent_folder_id: folder.id,
      })),
    }),
  );
}

/** From the end of the PUT to the file being confirmed (the in-process worker), in the embedded mode. */
async function uploadToConfirmed(url: string, token: string, times: number): Promise<{ p50: number; p95: number }> {
  const api = client(url, token);
  const bytes = Buffer.alloc(1024, 7);
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const { file, upload } = await api.post<{
      file: { id: string };
      upload: { url: string; headers: Record<string, string> };
    }>('/file', { file_name: `timed-${i}.bin`, file_size_in_bytes: bytes.length });
    await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    const began = performance.now();
    while ((await fetch(`${url}/file/${file.id}`, { headers: { authorization: `Bearer ${token}` } })).status !== 200) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    samples.push(performance.now() - began);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p95: samples[Math.floor(samples.length * 0.95)] };
}

/** Confirmed files inserted straight into the database (setting up large folders fast). */
async function insertFiles(
  databaseUrl: string,
  ownerId: string,
  parentFolderId: string | null,
  count: number,
): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO items (owner_id, parent_folder_id, kind, name, type, upload_status, object_key, size_bytes, content_type)
       SELECT $1::uuid, $2::uuid, 'file', 'file-' || lpad(n::text, 7, '0') || '.txt', 'txt', 'confirmed',
              'files/' || $1::text || '/' || gen_random_uuid(), n, 'text/plain'
         FROM generate_series(1, $3) n`,
      [ownerId, parentFolderId, count],
    );
    await db.query('ANALYZE items');
  } finally {
    await db.end();
  }
}

/** Page 1 and page 1000 (limit 100) of a folder of 100,000 files. */
async function deepPages(
  url: string,
  token: string,
  databaseUrl: string,
  ownerId: string,
): Promise<{ first: number; thousandth: number }> {
  const api = client(url, token);
  const folder = await api.post<{ id: string }>('/drive', { folder_name: 'hundred-thousand' });
  await insertFiles(databaseUrl, ownerId, folder.id, 100_000);
  let cursor: string | null = null;
  for (let page = 1; page < 1000; page++) {
    const listing: { next_cursor: string | null } = await api.get(
      `/drive/${folder.id}?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    cursor = listing.next_cursor;
  }
  const first = await timed(50, () => api.get(`/drive/${folder.id}?limit=100`));
  const thousandth = await timed(50, () => api.get(`/drive/${folder.id}?limit=100&cursor=${cursor}`));
  return { first: first.p50, thousandth: thousandth.p50 };
}

interface LoginFigures {
  alone: Load;
  beside: Load;
  loginsPerSecond: number;
}

/**
 * GET /verify-token on one connection, p99: alone, then while 8 clients log in one after another without pause
 * (bcrypt at the API's default cost, on its worker threads). The logins must not hold the event loop.
 */
async function loginFigures(url: string): Promise<LoginFigures> {
  const username = 'bench_logins';
  const headers = { authorization: `Bearer ${await tokenFor(url, username)}` };
  const verify = `${url}/verify-token`;
  console.log(`GET /verify-token, 1 connection, ${DURATION} s, alone and beside 8 concurrent logins…`);
  const alone = await load(verify, headers, 1);
  let logging = true;
  let logins = 0;
  const began = performance.now();
  const loginLoop = async (): Promise<void> => {
    while (logging) {
      const res = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'bench-password' }),
      });
      if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
      logins++;
    }
  };
  const loops = Array.from({ length: 8 }, loginLoop);
  try {
    const beside = await load(verify, headers, 1);
    return { alone, beside, loginsPerSecond: (logins * 1000) / (performance.now() - began) };
  } finally {
    logging = false;
    await Promise.all(loops);
  }
}

function loginRows(figures: LoginFigures, database: string): string[][] {
  const { alone, beside } = figures;
  return [
    [
      `GET /verify-token p99, 1 connection: alone / beside 8 concurrent logins (bcrypt cost 12 on its threads), ${database}`,
      `${alone.p99} ms / ${beside.p99} ms (${(beside.p99 / Math.max(1, alone.p99)).toFixed(2)}×); ` +
        `${figures.loginsPerSecond.toFixed(1)} logins/s meanwhile`,
      'within 2×',
    ],
  ];
}

interface SharingFigures {
  owner: number;
  recipient: number;
  firstPage: number;
  wholePage: number;
}

/**
 * A chain of 20 folders whose top is shared (view) with a second user, 50 folders in the deepest one: its listing,
 * p50, by the owner and by the recipient (whose access is found through all 20 ancestors). Then 1,000 folders
 * shared with a third user: GET /shared-with-me, p50, for a page of 100 and for all 1,000 in one page.
 */
async function sharingFigures(url: string, runTag: string): Promise<SharingFigures> {
  const owner = client(url, await tokenFor(url, `bench_owner_${runTag}`));
  const recipientName = `bench_recipient_${runTag}`;
  const recipient = client(url, await tokenFor(url, recipientName));
  let parent: string | null = null;
  let top = '';
  for (let depth = 1; depth <= 20; depth++) {
    const folder: { id: string } = await owner.post('/drive', {
      folder_name: `level-${depth}`,
      parent_folder_id: parent,
    });
    if (depth === 1) top = folder.id;
    parent = folder.id;
  }
  for (let i = 0; i < 50; i++) await owner.post('/drive', { folder_name: `item-${i}`, parent_folder_id: parent });
  await owner.post('/share', {
    share_object_type: 'folder',
    folder_id: top,
    username: recipientName,
    permission: 'view',
  });
  const deepest = `/drive/${parent}?limit=100`;
  const asOwner = await timed(200, () => owner.get(deepest));
  const asRecipient = await timed(200, () => recipient.get(deepest));

  const readerName = `bench_reader_${runTag}`;
  const reader = client(url, await tokenFor(url, readerName));
  const holder: { id: string } = await owner.post('/drive', { folder_name: 'shared-one-by-one' });
  for (let i = 0; i < 1000; i++) {
    const folder: { id: string } = await owner.post('/drive', { folder_name: `s-${i}`, parent_folder_id: holder.id });
    await owner.post('/share', {
      share_object_type: 'folder',
      folder_id: folder.id,
      username: readerName,
      permission: 'view',
    });
  }
  const firstPage = await timed(100, () => reader.get('/shared-with-me?limit=100'));
  const wholePage = await timed(30, () => reader.get('/shared-with-me?limit=1000'));
  return { owner: asOwner.p50, recipient: asRecipient.p50, firstPage: firstPage.p50, wholePage: wholePage.p50 };
}

function sharingRows(figures: SharingFigures, database: string): string[][] {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return [
    [
      `GET /drive/{id} 20 levels deep in a shared tree (50 items), p50: recipient / owner, ${database}`,
      `${ms(figures.recipient)} / ${ms(figures.owner)} (${(figures.recipient / figures.owner).toFixed(2)}×)`,
      'within 1.5×',
    ],
    [
      `GET /shared-with-me with 1,000 shares, p50: page of 100 / all 1,000 in one page, ${database}`,
      `${ms(figures.firstPage)} / ${ms(figures.wholePage)}`,
      '',
    ],
  ];
}

/** The built API against a database of the PostgreSQL server (with secrets of its own: none are generated there). */
function startOnServer(databaseUrl: string, apiEnv: Record<string, string>): Promise<Started> {
  return start(['dist/apps/api/src/main.js'], { ...apiEnv, ...SERVER_SECRETS, DATABASE_URL: databaseUrl }, '/health');
}

const SERVER_SECRETS = { JWT_SECRET: 'b'.repeat(40), LAMBDA_SECRET: 'c'.repeat(40) };

/** The API's environment in every part: request logs off (warn), no reconciler timer, no rate limits. */
function benchApiEnv(dataDir: string): Record<string, string> {
  return { DATA_DIR: dataDir, LOG_LEVEL: 'warn', RECONCILE_INTERVAL_SECONDS: '0', RATE_LIMITS_ENABLED: 'false' };
}

function printRows(rows: string[][]): void {
  console.log(
    ['| measure | result | goal |', '| --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n'),
  );
}

/** `npm run bench -- sharing`: the sharing figures alone, printed (RESULTS.md keeps the last full run). */
async function sharingOnly(): Promise<void> {
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  const apiEnv = benchApiEnv(dataDir);
  const postgres = await benchDatabase();
  const rows: string[][] = [];
  try {
    const embedded = await start(['dist/apps/api/src/main.js'], apiEnv, '/health');
    console.log('Sharing (embedded)…');
    rows.push(...sharingRows(await sharingFigures(embedded.url, 'embedded'), 'embedded PostgreSQL'));
    await stop(embedded);
    if (postgres) {
      const server = await startOnServer(postgres.url, apiEnv);
      console.log('Sharing (PostgreSQL server)…');
      rows.push(...sharingRows(await sharingFigures(server.url, 'server'), 'PostgreSQL server'));
      await stop(server);
    }
    printRows(rows);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

/** The ceiling of each search case (its SQL straight to the database `db` reaches), and the plans' rows. */
async function searchFigures(
  db: Client,
  usernames: string[],
  database: string,
  times: number,
): Promise<{ rows: string[][]; ceiling: Map<string, { p50: number; p95: number }> }> {
  const searchers = usernames.slice(0, 20);
  const roots = await rootFolders(db, searchers);
  const rows: string[][] = [];
  const ceiling = new Map<string, { p50: number; p95: number }>();
  for (const searchCase of SEARCH_CASES) {
    const queryOf = (i: number) => {
      const { userId, folderId } = roots.get(searchers[i % searchers.length])!;
      return repositoryQuery(searchCase, userId, folderId);
    };
    // The slow, untypical case is timed fewer times: its figure is shown for what it costs, not held to the goal.
    const sql = await timed(searchCase.typical ? times : 10, async (i) => {
      const statement = searchStatement(queryOf(i));
      await db.query(statement.text, statement.values);
    });
    ceiling.set(searchCase.label, sql);
    if (searchCase.index) {
      const plan = await planOf(db, queryOf(0), searchCase.index);
      console.log(`Plan of ${searchCase.label} (${database}):\n${plan.text}`);
      rows.push([
        `GET /search ${searchCase.label}: its plan reads the index ${searchCase.index} (EXPLAIN), ${database}`,
        plan.usesIndex ? 'yes' : 'no',
        'yes',
      ]);
    }
  }
  return { rows, ceiling };
}

/**
 * GET /search over HTTP for each case, beside its ceiling: timed right after each request when `db.client` is given
 * (the same moment's noise on both), else the one measured before. And GET /user, the floor under every search.
 */
async function searchApiRows(
  apiUrl: string,
  db: {
    roots: Map<string, { userId: string; folderId: string }>;
    ceiling: Map<string, { p50: number; p95: number }>;
    client?: Client;
  },
  usernames: string[],
  label: string,
  times: number,
): Promise<string[][]> {
  const searchers = usernames.slice(0, 20);
  const tokens: string[] = [];
  for (const username of searchers) {
    const login = await fetch(`${apiUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    tokens.push(((await login.json()) as { access_token: string }).access_token);
  }
  const ms = (value: number) => value.toFixed(1);
  const rows: string[][] = [];
  const floor = await timed(times, async (i) => {
    const res = await fetch(`${apiUrl}/user`, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } });
    if (!res.ok) throw new Error(`GET /user answered ${res.status}`);
    await res.arrayBuffer();
  });
  rows.push([
    `GET /user (signed in, one row read: what every search pays besides its SQL), ${label}: p50 / p95`,
    `${ms(floor.p50)} / ${ms(floor.p95)} ms`,
    '',
  ]);
  for (const searchCase of SEARCH_CASES) {
    const apiSamples: number[] = [];
    const sqlSamples: number[] = [];
    for (let i = 0; i < (searchCase.typical ? times : 10); i++) {
      const { userId, folderId } = db.roots.get(searchers[i % searchers.length])!;
      let began = performance.now();
      const res = await fetch(`${apiUrl}/search?${apiQuery(searchCase, folderId)}`, {
        headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
      });
      if (!res.ok) throw new Error(`GET /search answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      apiSamples.push(performance.now() - began);
      if (db.client) {
        const statement = searchStatement(repositoryQuery(searchCase, userId, folderId));
        began = performance.now();
        await db.client.query(statement.text, statement.values);
        sqlSamples.push(performance.now() - began);
      }
    }
    const api = percentiles(apiSamples);
    const alone = db.ceiling.get(searchCase.label)!;
    const sql = db.client ? percentiles(sqlSamples) : alone;
    // Beside the statement timed after each request, the same timed in a loop of its own before: its floor.
    const loop = db.client ? `; in a loop of its own ${ms(alone.p50)} / ${ms(alone.p95)} ms` : '';
    rows.push([
      `GET /search ${searchCase.label}, ${label}: p50 / p95; its SQL alone (ceiling)`,
      `${ms(api.p50)} / ${ms(api.p95)} ms; SQL ${ms(sql.p50)} / ${ms(sql.p95)} ms (p50 ${(api.p50 / sql.p50).toFixed(2)}× the SQL)${loop}`,
      searchCase.typical ? 'p50 under 20 ms, p95 under 50 ms' : '',
    ]);
  }
  return rows;
}

/**
 * `npm run bench -- search`: GET /search on the PostgreSQL server of BENCH_DATABASE_URL (1,000,000 items over 100
 * users) and on the embedded one (100,000 items over 10 users: PGlite loads and indexes far slower), each beside
 * the same SQL sent straight to its database; rows merged into RESULTS.md.
 */
async function searchOnly(): Promise<void> {
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  const apiEnv = benchApiEnv(dataDir);
  const postgres = await benchDatabase();
  const rows: string[][] = [];
  try {
    if (postgres) {
      const server = await startOnServer(postgres.url, apiEnv);
      // As the API connects: JIT off (see withoutJit), so that the ceiling is the same work.
      const db = new Client({ connectionString: withoutJit(postgres.url) });
      await db.connect();
      try {
        console.log('Search: loading 1,000,000 items over 100 users (PostgreSQL server)…');
        const began = performance.now();
        const usernames = await loadSearchData(db, 100, 10_000);
        console.log(`Loaded in ${((performance.now() - began) / 1000).toFixed(0)} s.`);
        const label = '1,000,000 items over 100 users, PostgreSQL server';
        const measured = await searchFigures(db, usernames, 'PostgreSQL server', 200);
        const roots = await rootFolders(db, usernames.slice(0, 20));
        rows.push(
          ...(await searchApiRows(server.url, { roots, ceiling: measured.ceiling, client: db }, usernames, label, 200)),
        );
        rows.push(...measured.rows);
      } finally {
        await db.end();
        await stop(server);
      }
      writeResults(rows); // kept should the embedded part fail
    } else {
      console.log('BENCH_DATABASE_URL is unset: the PostgreSQL server figures are left out.');
    }
    // The embedded database: migrated by a first start, loaded and measured directly, then searched through the API.
    await stop(await start(['dist/apps/api/src/main.js'], apiEnv, '/health'));
    const embedded = new EmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), maxConnections: 2 });
    const db = new Client({ connectionString: await embedded.start() });
    await db.connect();
    let usernames: string[];
    let measured: Awaited<ReturnType<typeof searchFigures>>;
    let roots: Map<string, { userId: string; folderId: string }>;
    try {
      console.log('Search: loading 100,000 items over 10 users (embedded PostgreSQL)…');
      usernames = await loadSearchData(db, 10, 10_000);
      measured = await searchFigures(db, usernames, 'embedded PostgreSQL', 100);
      roots = await rootFolders(db, usernames);
    } finally {
      await db.end();
      await embedded.stop();
    }
    const api = await start(['dist/apps/api/src/main.js'], apiEnv, '/health');
    try {
      const label = '100,000 items over 10 users, embedded PostgreSQL';
      rows.push(...(await searchApiRows(api.url, { roots, ceiling: measured.ceiling }, usernames, label, 100)));
      rows.push(...measured.rows);
    } finally {
      await stop(api);
    }
    writeResults(rows);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

/** A user whose root holds 25 folders and 25 files (the GET /drive rows' drive), on an API on the PostgreSQL server. */
async function driveOfFifty(url: string, databaseUrl: string): Promise<{ token: string; userId: string }> {
  const token = await tokenFor(url);
  const me = await client(url, token).get<{ user_id: string }>('/verify-token');
  for (let i = 0; i < 25; i++) await client(url, token).post('/drive', { folder_name: `folder-${i}` });
  await insertFiles(databaseUrl, me.user_id, null, 25);
  return { token, userId: me.user_id };
}

/** GET /drive through the bare node:http + pg server (bench/drive-ceiling.ts): the uncached route's ceiling. */
async function loadDriveCeiling(databaseUrl: string, token: string): Promise<Load> {
  const bare = await start(
    ['-r', '@swc-node/register', 'bench/drive-ceiling.ts'],
    { ...SERVER_SECRETS, DATABASE_URL: databaseUrl },
    '/health',
  );
  console.log(`bare node:http + pg GET /drive, ${CONNECTIONS} connections…`);
  return load(`${bare.url}/drive`, { authorization: `Bearer ${token}` }).finally(() => stop(bare));
}

/**
 * GET /drive through an API with the cache in Redis (BENCH_REDIS_URL, or the one on 127.0.0.1:6379), on the same
 * database and drive as the uncached one; its keys are removed afterwards.
 */
async function loadCachedDrive(databaseUrl: string, apiEnv: Record<string, string>, token: string): Promise<Load> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `clouddrive-bench:${Date.now()}:`;
  const api = await startOnServer(databaseUrl, { ...apiEnv, REDIS_URL: redisUrl, CACHE_REDIS_PREFIX: prefix });
  try {
    console.log(`GET /drive (50 items), ${CONNECTIONS} connections, PostgreSQL server, cache in Redis…`);
    return await load(`${api.url}/drive`, { authorization: `Bearer ${token}` });
  } finally {
    await stop(api);
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

function cachedDriveRow(cached: Load, uncached: Load, ceiling: Load): string[] {
  const times = (cached.requestsPerSecond / uncached.requestsPerSecond).toFixed(2);
  const ofCeiling = ((100 * cached.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(0);
  return [
    `GET /drive with 50 items, ${CONNECTIONS} connections, PostgreSQL server, cache in Redis`,
    `${rate(cached)}; ${times}× the uncached API, ${ofCeiling} % of the uncached ceiling`,
    '≥ 2× the uncached API',
  ];
}

/**
 * `npm run bench -- cache` (with BENCH_DATABASE_URL, and Redis): GET /drive on the PostgreSQL server without the
 * cache, with it in Redis, and the bare node:http + pg ceiling, in one run; merged into RESULTS.md.
 */
async function cacheOnly(): Promise<void> {
  const postgres = await benchDatabase();
  if (!postgres) throw new Error('npm run bench -- cache needs BENCH_DATABASE_URL (a PostgreSQL server)');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  try {
    const apiEnv = benchApiEnv(dataDir);
    const server = await startOnServer(postgres.url, apiEnv);
    let token: string;
    let uncached: Load;
    try {
      token = (await driveOfFifty(server.url, postgres.url)).token;
      console.log(`GET /drive (50 items), ${CONNECTIONS} connections, PostgreSQL server, no cache…`);
      uncached = await load(`${server.url}/drive`, { authorization: `Bearer ${token}` });
    } finally {
      await stop(server);
    }
    const cached = await loadCachedDrive(postgres.url, apiEnv, token);
    const ceiling = await loadDriveCeiling(postgres.url, token);
    writeResults([
      [
        `GET /drive with 50 items, ${CONNECTIONS} connections, PostgreSQL server`,
        `${rate(uncached)}; ${((100 * uncached.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(1)} % of its ceiling`,
        '≥ 50 % of the ceiling, p99 under 25 ms',
      ],
      [`bare node:http + pg, same JWT check and SQL (ceiling of the above)`, rate(ceiling), ''],
      cachedDriveRow(cached, uncached, ceiling),
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres.drop();
  }
}

/** One part alone: the build, a fresh embedded API (stopped even when a figure fails), its rows merged into RESULTS.md. */
async function partOnly(rowsOf: (api: Started) => Promise<string[][]>): Promise<void> {
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  try {
    const api = await start(['dist/apps/api/src/main.js'], benchApiEnv(dataDir), '/health');
    writeResults(await rowsOf(api).finally(() => stop(api)));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `npm run bench -- web`: the web app's figures alone, their rows merged into RESULTS.md (the others kept). */
const webOnly = () => partOnly(async (api) => webRows(await webFigures(api.url)));
/** `npm run bench -- zip`: a folder's zip alone, merged likewise. */
const zipOnly = () =>
  partOnly(async (api) =>
    archiveRows(await archiveFigures(api.url, await tokenFor(api.url), () => rssMiB(api.child.pid!))),
  );
/** `npm run bench -- cli`: the command line's figures alone, merged likewise. */
const cliOnly = () => partOnly(async (api) => cliRows(await cliFigures(api.url)));
/** `npm run bench -- logins`: the login figures alone, merged likewise. */
const loginsOnly = () => partOnly(async (api) => loginRows(await loginFigures(api.url), 'embedded PostgreSQL'));

/**
 * `npm run bench -- events`: the bare SSE server, then the API embedded and on the PostgreSQL server (its delivery
 * goes through LISTEN/NOTIFY there), each holding 1,000 streams from this process; rows merged into RESULTS.md.
 * Cost-4 password hashes (the 100 users' logins are not what is measured) and no cap on connections per address.
 */
async function eventsOnly(): Promise<void> {
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  const apiEnv = { ...benchApiEnv(dataDir), HTTP_MAX_CONNECTIONS_PER_IP: '0', BCRYPT_COST: '4' };
  const postgres = await benchDatabase();
  const measureApi = async (api: Started, label: string) => {
    const rss = () => rssMiB(api.child.pid!);
    return eventFigures(api.url, await apiTarget(api.url, label, rss)).finally(() => stop(api));
  };
  try {
    const bare = await start(['bench/sse-server.js'], {}, '/health');
    const peer = await eventFigures(
      bare.url,
      peerTarget(bare.url, () => rssMiB(bare.child.pid!)),
    ).finally(() => stop(bare));
    const rows = peerRows(peer);
    const embedded = await start(['dist/apps/api/src/main.js'], apiEnv, '/health');
    rows.push(...eventRows(await measureApi(embedded, 'embedded PostgreSQL'), peer, false));
    if (postgres) {
      const server = await startOnServer(postgres.url, apiEnv);
      rows.push(...eventRows(await measureApi(server, 'PostgreSQL server'), peer, true));
    } else {
      console.log('BENCH_DATABASE_URL is unset: the PostgreSQL server figures are left out.');
    }
    writeResults(rows);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

/** `npm run bench -- media`: the PDF and video previews beside pdftoppm and ffmpeg; merged into RESULTS.md. */
async function mediaOnly(): Promise<void> {
  writeResults(documentRows(await measureDocuments()));
}

async function main(): Promise<void> {
  console.log('Building…');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  // Request logs off (warn): the figure is the API's, not the log pipe's.
  const apiEnv = benchApiEnv(dataDir);
  const api = ['dist/apps/api/src/main.js'];
  const postgres = await benchDatabase();
  const rows: string[][] = [];
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  try {
    const cold = await start(api, apiEnv, '/health');
    await stop(cold);
    const warm = await start(api, apiEnv, '/health');
    const embeddedVerify = await loadVerifyToken(warm, 'embedded PostgreSQL');
    const embeddedLogins = await loginFigures(warm.url);
    const embeddedToken = await tokenFor(warm.url);
    console.log('POST /files with 100 files, upload to confirmed (embedded)…');
    const embeddedBatch = await hundredFileRequests(warm.url, embeddedToken, 20);
    const confirmation = await uploadToConfirmed(warm.url, embeddedToken, 30);
    console.log('Upload of a 12 MP JPEG to a ready preview (embedded)…');
    const previewReady = await uploadToPreviewReady(warm.url, embeddedToken, 15);
    console.log('Sharing (embedded)…');
    const embeddedSharing = await sharingFigures(warm.url, 'embedded');
    const web = await webFigures(warm.url);
    const archive = await archiveFigures(warm.url, embeddedToken, () => rssMiB(warm.child.pid!));
    const cli = await cliFigures(warm.url);
    await stop(warm);
    console.log('Previews and profile photos, one core…');
    const media = await measureMediaInChild();

    const hello = await start(['bench/hello-server.js'], {}, '/');
    console.log(`bare node:http, ${CONNECTIONS} connections, ${DURATION} s…`);
    const ceiling = await load(hello.url);
    await stop(hello);
    const share = (l: Load, of: Load) => `${((100 * l.requestsPerSecond) / of.requestsPerSecond).toFixed(1)} %`;

    rows.push(
      [
        'Start-up to a healthy /health, fresh data directory (embedded PostgreSQL created, migrated)',
        ms(cold.readyMs),
        'under 5 s',
      ],
      ['Start-up to a healthy /health, existing data directory', ms(warm.readyMs), 'under 5 s'],
      [
        `GET /verify-token, ${CONNECTIONS} connections, embedded PostgreSQL`,
        `${rate(embeddedVerify)}; ${share(embeddedVerify, ceiling)} of bare node:http`,
        '',
      ],
      [`bare node:http hello, ${CONNECTIONS} connections (ceiling of the above)`, rate(ceiling), ''],
      ...loginRows(embeddedLogins, 'embedded PostgreSQL'),
      [
        'POST /files with 100 files, embedded PostgreSQL',
        `p50 ${ms(embeddedBatch.p50)}, p95 ${ms(embeddedBatch.p95)}`,
        'under 100 ms',
      ],
      [
        'Upload to confirmed (PUT done → file confirmed by the in-process worker), embedded',
        `p50 ${ms(confirmation.p50)}, p95 ${ms(confirmation.p95)}`,
        '',
      ],
      ...mediaRows(media, previewReady),
      ...sharingRows(embeddedSharing, 'embedded PostgreSQL'),
      ...webRows(web),
      ...archiveRows(archive),
      ...cliRows(cli),
    );

    if (postgres) {
      const server = await startOnServer(postgres.url, apiEnv);
      const postgresVerify = await loadVerifyToken(server, 'PostgreSQL server');
      const { token, userId } = await driveOfFifty(server.url, postgres.url);
      console.log(`GET /drive (50 items), ${CONNECTIONS} connections, PostgreSQL server…`);
      let peakRss = rssMiB(server.child.pid!);
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(server.child.pid!))), 250);
      const drive = await load(`${server.url}/drive`, { authorization: `Bearer ${token}` });
      clearInterval(sampler);
      console.log('POST /files with 100 files, 100,000-file folder (PostgreSQL server)…');
      const batch = await hundredFileRequests(server.url, token, 20);
      const pages = await deepPages(server.url, token, postgres.url, userId);
      console.log('Sharing (PostgreSQL server)…');
      const serverSharing = await sharingFigures(server.url, 'server');
      await stop(server);
      const cached = await loadCachedDrive(postgres.url, apiEnv, token);
      const driveCeiling = await loadDriveCeiling(postgres.url, token);

      rows.push(
        [
          `GET /verify-token, ${CONNECTIONS} connections, PostgreSQL server`,
          `${rate(postgresVerify)}; ${share(postgresVerify, ceiling)} of bare node:http`,
          '',
        ],
        [
          `GET /drive with 50 items, ${CONNECTIONS} connections, PostgreSQL server`,
          `${rate(drive)}; ${share(drive, driveCeiling)} of its ceiling`,
          '≥ 50 % of the ceiling, p99 under 25 ms',
        ],
        [`bare node:http + pg, same JWT check and SQL (ceiling of the above)`, rate(driveCeiling), ''],
        cachedDriveRow(cached, drive, driveCeiling),
        ['API memory (peak RSS) under the GET /drive load', `${peakRss.toFixed(0)} MiB`, ''],
        ['POST /files with 100 files, PostgreSQL server', `p50 ${ms(batch.p50)}, p95 ${ms(batch.p95)}`, 'under 100 ms'],
        [
          'Folder of 100,000 files: page 1 / page 1,000 (limit 100), p50',
          `${ms(pages.first)} / ${ms(pages.thousandth)} (${(pages.thousandth / pages.first).toFixed(2)}×)`,
          'within 1.5×',
        ],
        ...sharingRows(serverSharing, 'PostgreSQL server'),
      );
    }
    writeResults(rows);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

const rate = (l: Load) =>
  `${Math.round(l.requestsPerSecond).toLocaleString('en')} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms${l.errors ? `, ${l.errors} errors` : ''}`;

/** RESULTS.md's rows as they are now: a measure measured again takes its old row's place; the others stay. */
function mergedRows(fresh: string[][]): string[][] {
  let old: string[][] = [];
  try {
    old = readFileSync(join(ROOT, 'bench', 'RESULTS.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| measure ') && !line.startsWith('| --- '))
      .map((line) => line.slice(2, -2).split(' | '));
  } catch {
    // None yet.
  }
  const byMeasure = new Map(fresh.map((row) => [row[0], row]));
  const merged = old.map((row) => {
    const again = byMeasure.get(row[0]);
    byMeasure.delete(row[0]);
    return again ?? row;
  });
  return [...merged, ...byMeasure.values()];
}

function writeResults(fresh: string[][]): void {
  const rows = mergedRows(fresh);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  const table = ['| measure | result | goal |', '| --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)];
  const text = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}; ${DURATION} s per load after a 2 s warm-up; the API logs at LOG_LEVEL=warn.`,
    '',
    // The machine is shared: its load says how noisy the figures written last may be.
    `Machine: ${machine}; load average ${loadavg()[0].toFixed(1)} (1 min) when this was written.`,
    '',
    ...table,
    '',
    ...[...MEDIA_NOTES, ...SEARCH_NOTES].flatMap((note) => [note, '']),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), text);
  console.log('\n' + text);
  showInReadme(table);
}

/** The README's benchmark table is the latest run's: the table after its "The latest run:" line, replaced. */
function showInReadme(table: string[]): void {
  const path = join(ROOT, 'README.md');
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trimEnd().endsWith('The latest run:')) + 2;
  if (start < 2 || !lines[start]?.startsWith('|')) {
    console.warn('README.md: no benchmark table found after "The latest run:"; left as it was');
    return;
  }
  let end = start;
  while (lines[end]?.startsWith('|')) end++;
  lines.splice(start, end - start, ...table);
  writeFileSync(path, lines.join('\n'));
  execSync('npx prettier --write README.md', { cwd: ROOT, stdio: 'ignore' });
}

/** `npm run bench -- <part>` runs that part alone; no part, the whole benchmark. */
const parts: Record<string, () => Promise<void>> = {
  sharing: sharingOnly,
  logins: loginsOnly,
  web: webOnly,
  zip: zipOnly,
  cli: cliOnly,
  search: searchOnly,
  media: mediaOnly,
  cache: cacheOnly,
  events: eventsOnly,
};
const part = parts[process.argv.slice(2).find((name) => Object.hasOwn(parts, name)) ?? ''] ?? main;
part().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
