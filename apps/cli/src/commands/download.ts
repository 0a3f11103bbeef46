/**
 * `clouddrive download <remote...> <local-dir>`: files, and folders recursively (a folder `Reports` lands as
 * `<local-dir>/Reports`), `--concurrency` at once, each through a fresh presigned GET, retried with backoff.
 * Bytes go to `<name>.clouddrive-part` and are renamed into place only when whole. A local file of the same
 * size is left alone, so running it again resumes; another size follows `--conflict`.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { unwrap, type Item } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT } from '../errors';
import { getToFile, withRetries } from '../http';
import { mapLimit, Pool } from '../pool';
import { Progress } from '../progress';
import { Drive } from '../remote';
import type { ConflictPolicy } from './upload';

export interface DownloadOptions {
  conflict: ConflictPolicy;
  concurrency: number;
}

interface FileJob {
  file: Item;
  remote: string;
  local: string;
}

/** Only names the API allows reach here (no `/`, `.` or `..`); a NUL or a separator of another system is replaced. */
const localName = (name: string): string => name.replace(/[\0\\]/g, '_');

/** `report.pdf` → `report(1).pdf`: the first name not taken locally. */
async function freeName(path: string): Promise<string> {
  const extension = extname(path);
  const stem = path.slice(0, path.length - extension.length);
  for (let n = 1; ; n++) {
    const candidate = `${stem}(${n})${extension}`;
    if (!(await stat(candidate).catch(() => undefined))) return candidate;
  }
}

export async function download(ctx: Context, sources: string[], target: string, options: DownloadOptions) {
  const destination = ctx.local(target);
  const drive = new Drive(ctx.client());
  const jobs: FileJob[] = [];
  const dirs: string[] = [];

  const walk = async (folder: Item, remote: string, local: string): Promise<void> => {
    dirs.push(local);
    const { items } = await drive.content(folder.id);
    await mapLimit(items, options.concurrency, async (item) => {
      const childRemote = `${remote}/${item.name}`;
      const childLocal = join(local, localName(item.name));
      if (item.kind === 'folder') await walk(item, childRemote, childLocal);
      else jobs.push({ file: item, remote: childRemote, local: childLocal });
    });
  };
  for (const source of sources) {
    const target = await drive.resolve(source);
    if (target.kind === 'root') {
      const { items } = await drive.content(null);
      for (const item of items) {
        if (item.kind === 'folder') await walk(item, `/${item.name}`, join(destination, localName(item.name)));
        else jobs.push({ file: item, remote: `/${item.name}`, local: join(destination, localName(item.name)) });
      }
    } else if (target.kind === 'folder') {
      await walk(target.folder, source.replace(/\/+$/, ''), join(destination, localName(target.folder.name)));
    } else jobs.push({ file: target.file, remote: source, local: join(destination, localName(target.file.name)) });
  }
  await mkdir(destination, { recursive: true });
  for (const dir of dirs) await mkdir(dir, { recursive: true });

  const progress = new Progress(ctx.output, 'download', ['downloaded', 'exists', 'skipped', 'failed']);
  const fields = (job: FileJob, extra: Record<string, unknown> = {}) => ({
    path: ctx.shown(job.local),
    remote: job.remote,
    file_id: job.file.id,
    size_in_bytes: job.file.size_in_bytes,
    ...extra,
  });
  const fail = (job: FileJob, error: unknown): void => progress.failed(fields(job), error);

  const toFetch: FileJob[] = [];
  for (const job of jobs) {
    const local = await stat(job.local).catch(() => undefined);
    if (!local) toFetch.push(job);
    else if (local.isFile() && local.size === job.file.size_in_bytes) {
      progress.record('exists', fields(job), `exists   ${job.local}`);
    } else if (options.conflict === 'skip') {
      progress.record('skipped', fields(job, { reason: 'conflict' }), `skipped  ${job.local}`);
    } else if (options.conflict === 'keep') {
      job.local = await freeName(job.local);
      toFetch.push(job);
    } else if (options.conflict === 'replace' && local.isFile()) toFetch.push(job);
    else {
      const detail = `${job.local} is there with another size; --conflict keep|replace|skip decides.`;
      fail(job, new CliError('local_file_conflict', detail, EXIT.conflict));
    }
  }

  progress.begin({
    files: toFetch.length,
    bytes: toFetch.reduce((sum, job) => sum + (job.file.size_in_bytes ?? 0), 0),
  });
  const pool = new Pool(options.concurrency);
  for (const job of toFetch) {
    pool.add(async () => {
      const part = `${job.local}.clouddrive-part`;
      progress.started(job.local, job.file.name, job.file.size_in_bytes ?? 0);
      let moved = 0;
      try {
        await withRetries(async () => {
          progress.rewound(job.local, moved);
          moved = 0;
          // A new URL each try: they live a minute, and a revoked share must stop the next one.
          const { url } = await unwrap(
            drive.client.GET('/file/{file_id}', { params: { path: { file_id: job.file.id } } }),
          );
          await getToFile(url, part, (bytes) => {
            moved += bytes;
            progress.advanced(job.local, bytes);
          });
        });
        await rename(part, job.local);
        progress.record('downloaded', fields(job), `downloaded ${job.local}`);
      } catch (error) {
        await rm(part, { force: true });
        fail(job, error);
      } finally {
        progress.done(job.local);
      }
    });
  }
  await pool.idle();
  return progress.summary();
}
