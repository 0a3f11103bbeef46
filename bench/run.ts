/**
 * npm run bench: measures what the issues ask to be measured and writes bench/RESULTS.md.
 *
 * - start-up: from launching the built API (`node dist/apps/api/src/main.js`, what `npm start` runs after
 *   its build) to the first 200 from /health, on a fresh data directory and again on the same one;
 * - GET /verify-token at 32 connections, beside a bare node:http server measured in the same run (the ceiling).
 *
 * The API and the ceiling each run in their own process; autocannon runs here. BENCH_DURATION sets the
 * seconds of each load; BENCH_DATABASE_URL (a PostgreSQL server URL) adds the figures against a real
 * server, in a database made for the run and dropped after it.
 */
import autocannon from 'autocannon';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

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

async function load(url: string, headers: Record<string, string> = {}): Promise<Load> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers }); // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** Registers a user and answers with a bearer token for it. */
async function tokenFor(url: string): Promise<string> {
  const user = { username: 'bench_user', email: 'bench@example.com', password: 'bench-password' };
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

async function main(): Promise<void> {
  console.log('Building…');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  // Request logs off (warn): the figure is the API's, not the log pipe's.
  const apiEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const api = ['dist/apps/api/src/main.js'];
  const postgres = await benchDatabase();
  try {
    const cold = await start(api, apiEnv, '/health');
    await stop(cold);
    const warm = await start(api, apiEnv, '/health');
    const embeddedVerify = await loadVerifyToken(warm, 'embedded PostgreSQL');
    await stop(warm);

    let postgresVerify: Load | undefined;
    if (postgres) {
      const secrets = { JWT_SECRET: 'b'.repeat(40), LAMBDA_SECRET: 'c'.repeat(40) };
      const server = await start(api, { ...apiEnv, ...secrets, DATABASE_URL: postgres.url }, '/health');
      postgresVerify = await loadVerifyToken(server, 'PostgreSQL server');
      await stop(server);
    }

    const hello = await start(['bench/hello-server.js'], {}, '/');
    console.log(`bare node:http, ${CONNECTIONS} connections, ${DURATION} s…`);
    const ceiling = await load(hello.url);
    await stop(hello);

    const share = (l: Load) =>
      `${((100 * l.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(1)} % of the ceiling`;
    writeResults([
      [
        'Start-up to a healthy /health, fresh data directory (embedded PostgreSQL created, migrated)',
        `${cold.readyMs.toFixed(0)} ms`,
        'under 5 s',
      ],
      ['Start-up to a healthy /health, existing data directory', `${warm.readyMs.toFixed(0)} ms`, 'under 5 s'],
      [
        `GET /verify-token, ${CONNECTIONS} connections, embedded PostgreSQL`,
        `${rate(embeddedVerify)}; ${share(embeddedVerify)}`,
        '',
      ],
      ...(postgresVerify
        ? [
            [
              `GET /verify-token, ${CONNECTIONS} connections, PostgreSQL server`,
              `${rate(postgresVerify)}; ${share(postgresVerify)}`,
              '',
            ],
          ]
        : []),
      [`bare node:http hello, ${CONNECTIONS} connections (the ceiling)`, rate(ceiling), ''],
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

const rate = (l: Load) =>
  `${Math.round(l.requestsPerSecond).toLocaleString('en')} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms${l.errors ? `, ${l.errors} errors` : ''}`;

function writeResults(rows: string[][]): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  const table = ['| measure | result | goal |', '| --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)];
  const text = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}; ${DURATION} s per load after a 2 s warm-up; the API logs at LOG_LEVEL=warn.`,
    '',
    `Machine: ${machine}.`,
    '',
    ...table,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), text);
  console.log('\n' + text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
