/**
 * `npm run bench -- cli`: the command line's uploads beside a plain Node script doing the same with the SDK, in
 * the same run, against the same embedded API: 1,000 files of 10 KB, then one file of 1 GiB, each timed from the
 * start to every file confirmed by the workers. The CLI is the built program (bin/clouddrive.js) in a process
 * of its own, its start-up included; the script runs here, with the SDK's POST /files and putUpload, four PUTs
 * at a time (the CLI's default concurrency).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createCloudDriveClient, putUpload, unwrap, type CloudDriveClient, type Upload } from '@app/sdk';

const ROOT = join(__dirname, '..');
const SMALL_FILES = 1000;
const SMALL_BYTES = 10 * 1024;
const LARGE_BYTES = 1024 ** 3;
const CONCURRENCY = 4;

export interface CliFigures {
  small: { cliMs: number; sdkMs: number };
  large: { cliMs: number; sdkMs: number };
}

async function account(url: string): Promise<{ api: CloudDriveClient; token: string }> {
  const tag = Date.now().toString(36);
  const user = { username: `bench_cli_${tag}`, email: `bench_cli_${tag}@example.com`, password: 'bench-password' };
  const anonymous = createCloudDriveClient({ baseUrl: url });
  await unwrap(anonymous.POST('/user', { body: user }));
  const { access_token: token } = await unwrap(
    anonymous.POST('/login', { body: { username: user.username, password: user.password } }),
  );
  return { api: createCloudDriveClient({ baseUrl: url, token: () => token }), token };
}

/** Waits until the folder lists `count` confirmed files (read every 100 ms). */
async function untilConfirmed(api: CloudDriveClient, folderId: string, count: number): Promise<void> {
  for (;;) {
    let listed = 0;
    let cursor: string | undefined;
    do {
      const page = await unwrap(
        api.GET('/drive/{folder_id}', {
          params: { path: { folder_id: folderId }, query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
        }),
      );
      listed += page.files_and_folders.length;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    if (listed >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The plain script: a folder, POST /files 100 at a time, the bytes four at a time, then every file confirmed. */
async function sdkUpload(api: CloudDriveClient, name: string, paths: string[], size: number): Promise<number> {
  const began = performance.now();
  const folder = await unwrap(api.POST('/drive', { body: { folder_name: name } }));
  const queue: { path: string; upload: Upload }[] = [];
  for (let start = 0; start < paths.length; start += 100) {
    const chunk = paths.slice(start, start + 100);
    const files = chunk.map((path) => ({
      file_name: path.slice(path.lastIndexOf('/') + 1),
      file_size_in_bytes: size,
      parent_folder_id: folder.id,
      content_type: 'application/octet-stream',
    }));
    const { results } = await unwrap(api.POST('/files', { body: { files } }));
    for (const result of results) queue.push({ path: chunk[result.index], upload: result.upload! });
  }
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      // openAsBlob: the bytes are read from disk as they are sent, as the CLI streams them.
      for (let next = queue.shift(); next; next = queue.shift())
        await putUpload(next.upload, await openAsBlob(next.path));
    }),
  );
  await untilConfirmed(api, folder.id, paths.length);
  return performance.now() - began;
}

/** `clouddrive upload <source> /<name>` as an operator runs it, to its exit (it waits for the confirmations). */
async function cliUpload(url: string, token: string, source: string, name: string, work: string): Promise<number> {
  const began = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'clouddrive.js'), 'upload', source, `/${name}`, '--json'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      CLOUDDRIVE_URL: url,
      CLOUDDRIVE_TOKEN: token,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number];
  const elapsed = performance.now() - began;
  const summary = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { failed?: number; uploaded?: number };
  if (code !== 0 || summary.failed !== 0) throw new Error(`clouddrive upload exited ${code}: ${output.slice(-500)}`);
  return elapsed;
}

async function writeLargeFile(path: string): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const out = createWriteStream(path);
  for (let written = 0; written < LARGE_BYTES; written += block.length) {
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function cliFigures(url: string): Promise<CliFigures> {
  const work = mkdtempSync(join(tmpdir(), 'clouddrive-bench-cli-'));
  try {
    const { api, token } = await account(url);
    const small = join(work, 'small');
    mkdirSync(small);
    const paths = Array.from({ length: SMALL_FILES }, (_, i) => {
      const path = join(small, `file-${String(i).padStart(4, '0')}.bin`);
      writeFileSync(path, randomBytes(SMALL_BYTES));
      return path;
    });
    console.log('CLI: 1,000 files of 10 KB, the SDK script then the CLI…');
    const smallSdk = await sdkUpload(api, 'small-sdk', paths, SMALL_BYTES);
    const smallCli = await cliUpload(url, token, small, 'small-cli', work);

    console.log('CLI: one file of 1 GiB, the SDK script then the CLI…');
    const large = join(work, 'large', 'one-gibibyte.bin');
    mkdirSync(join(work, 'large'));
    await writeLargeFile(large);
    const largeSdk = await sdkUpload(api, 'large-sdk', [large], LARGE_BYTES);
    const largeCli = await cliUpload(url, token, large, 'large-cli', work);
    return { small: { cliMs: smallCli, sdkMs: smallSdk }, large: { cliMs: largeCli, sdkMs: largeSdk } };
  } finally {
    // The 1 GiB file goes at once (the uploaded copies go with the API's data directory).
    rmSync(work, { recursive: true, force: true });
  }
}

export function cliRows({ small, large }: CliFigures): string[][] {
  const filesPerSecond = (ms: number) => `${((SMALL_FILES / ms) * 1000).toFixed(0)} files/s`;
  const megabytesPerSecond = (ms: number) => `${(LARGE_BYTES / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  const ratio = (figures: { cliMs: number; sdkMs: number }) => `${(figures.cliMs / figures.sdkMs).toFixed(2)}×`;
  return [
    [
      '1,000 files of 10 KB uploaded to confirmed, embedded store: the CLI (its process) / a Node script with the SDK',
      `${filesPerSecond(small.cliMs)} / ${filesPerSecond(small.sdkMs)} (${ratio(small)} the time)`,
      'CLI within 1.2×',
    ],
    [
      'One 1 GiB file uploaded to confirmed, embedded store: the CLI (its process) / a Node script with the SDK',
      `${megabytesPerSecond(large.cliMs)} / ${megabytesPerSecond(large.sdkMs)} (${ratio(large)} the time)`,
      'CLI within 1.2×',
    ],
  ];
}
