/**
 * npm run bench: measures what the issues ask to be measured and writes bench/RESULTS.md.
 *
 * - start-up: from launching the built API (`node dist/apps/api/src/main.js`, what `npm start` runs after
 *   its build) to the first 200 from /health, on a fresh data directory and again on the same one;
 * - GET /verify-token at 32 connections, beside a bare node:http server measured in the same run (the ceiling).
 *
 * The API and the ceiling each run in their own process; autocannon runs here. Set BENCH_DURATION (seconds).
 */
import autocannon from 'autocannon';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';

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

async function main(): Promise<void> {
  console.log('Building…');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-bench-'));
  // Request logs off (warn): the figure is the API's, not the log pipe's.
  const apiEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const api = ['dist/apps/api/src/main.js'];
  try {
    const cold = await start(api, apiEnv, '/health');
    await stop(cold);
    const warm = await start(api, apiEnv, '/health');

    const user = { username: 'bench_user', email: 'bench@example.com', password: 'bench-password' };
    await fetch(`${warm.url}/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const login = await fetch(`${warm.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };

    console.log(`GET /verify-token, ${CONNECTIONS} connections, ${DURATION} s…`);
    const verify = await load(`${warm.url}/verify-token`, { authorization: `Bearer ${token}` });
    await stop(warm);

    const hello = await start(['bench/hello-server.js'], {}, '/');
    console.log(`bare node:http, ${CONNECTIONS} connections, ${DURATION} s…`);
    const ceiling = await load(hello.url);
    await stop(hello);

    writeResults([
      [
        'Start-up to a healthy /health, fresh data directory (embedded PostgreSQL created, migrated)',
        `${cold.readyMs.toFixed(0)} ms`,
        'under 5 s',
      ],
      ['Start-up to a healthy /health, existing data directory', `${warm.readyMs.toFixed(0)} ms`, 'under 5 s'],
      [`GET /verify-token, ${CONNECTIONS} connections (embedded PostgreSQL)`, rate(verify), ''],
      [`bare node:http hello, ${CONNECTIONS} connections (ceiling)`, rate(ceiling), ''],
      [
        'GET /verify-token as a share of the ceiling',
        `${((100 * verify.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(1)} %`,
        '',
      ],
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
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
