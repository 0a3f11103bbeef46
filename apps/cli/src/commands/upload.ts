/**
 * `clouddrive upload <local...> <remote-folder>`: files and whole directories, the structure recreated (a
 * directory `photos` lands as `<remote-folder>/photos`, like `cp -r`). Files are announced 100 at a time
 * (POST /files) and their bytes streamed to the presigned URLs, `--concurrency` at once, each retried with
 * backoff. A file already there with the same size is left alone, so running a job again resumes it; a pending
 * upload this machine announced (the journal) is sent again to its URL or announced afresh.
 */
import { opendir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve as resolvePath } from 'node:path';
import { ApiError, unwrap, type Item, type RequestUpload, type Upload } from '@app/sdk';
import type { Context } from '../context';
import { CliError, describeError, EXIT } from '../errors';
import { putFile, transferAgents, withRetries } from '../http';
import { Journal } from '../journal';
import { formatBytes } from '../output';
import { mapLimit, Pool } from '../pool';
import { Progress, type TransferEvent } from '../progress';
import { Drive, nameKey } from '../remote';

export type ConflictPolicy = 'fail' | 'skip' | 'keep' | 'replace';

export interface UploadOptions {
  conflict: ConflictPolicy;
  concurrency: number;
  wait: boolean;
  waitTimeout: number;
}

interface FileJob {
  local: string;
  size: number;
  /** The folder below the target, '' for the target itself: `photos/2024`. */
  dir: string;
  name: string;
  remote: string;
  parentId: string | null;
  fileConflict?: 'Keep' | 'Replace';
  fileId?: string;
  upload?: Upload;
}

interface LocalTree {
  dirs: string[];
  files: FileJob[];
}

const BATCH = 100;
/** A reused URL must leave this long to send the bytes in. */
const URL_MARGIN_MS = 60_000;

/** The local files and directories to send, directories walked (links to directories are not followed). */
async function scan(sources: string[], remoteBase: string): Promise<LocalTree> {
  const tree: LocalTree = { dirs: [], files: [] };
  const remoteOf = (dir: string, name: string): string =>
    [remoteBase.replace(/\/+$/, ''), dir, name].filter(Boolean).join('/');
  const addFile = (local: string, size: number, dir: string): void => {
    const name = basename(local);
    tree.files.push({ local, size, dir, name, remote: remoteOf(dir, name), parentId: null });
  };
  const walk = async (path: string, dir: string): Promise<void> => {
    tree.dirs.push(dir);
    for await (const entry of await opendir(path)) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child, `${dir}/${entry.name}`);
      else if (entry.isFile()) addFile(child, (await stat(child)).size, dir);
      else if (entry.isSymbolicLink()) {
        const target = await stat(child).catch(() => undefined);
        if (target?.isFile()) addFile(child, target.size, dir);
      }
    }
  };
  for (const source of sources) {
    const path = resolvePath(source);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CliError('local_not_found', `No such file or directory: ${source}`, EXIT.notFound);
    if (info.isDirectory()) await walk(path, basename(path));
    else addFile(path, info.size, '');
  }
  return tree;
}

export async function upload(ctx: Context, sources: string[], destination: string, options: UploadOptions) {
  const client = ctx.client();
  const drive = new Drive(client);
  const journal = new Journal(ctx.env.stateDir, ctx.baseUrl);
  const tree = await scan(sources, destination);
  const target = await drive.mkdirp(destination);
  const folders = new Map<string, string | null>([['', target?.id ?? null]]);

  // Folders, parents before children; siblings at once.
  const depths = [...new Set(tree.dirs)].sort((a, b) => a.split('/').length - b.split('/').length);
  for (let depth = 1; depths.length > 0; depth++) {
    const level = depths.filter((dir) => dir.split('/').length === depth);
    if (level.length === 0) break;
    await mapLimit(level, options.concurrency, async (dir) => {
      const slash = dir.lastIndexOf('/');
      const parent = folders.get(slash < 0 ? '' : dir.slice(0, slash)) ?? null;
      folders.set(dir, (await drive.ensureFolder(parent, dir.slice(slash + 1))).id);
    });
  }
  for (const job of tree.files) job.parentId = folders.get(job.dir) ?? null;

  const progress = new Progress(ctx.output, 'upload');
  const counts = { uploaded: 0, exists: 0, skipped: 0, failed: 0 };
  const report = (job: FileJob, event: string, extra: Record<string, unknown>, human: string): void => {
    counts[event as keyof typeof counts]++;
    const document: TransferEvent = {
      event,
      path: relative(process.cwd(), job.local) || job.local,
      remote: job.remote,
      size_in_bytes: job.size,
      ...extra,
    };
    progress.report(document, () => human);
  };
  const fail = (job: FileJob, error: unknown): void => {
    const { problem } = describeError(error);
    report(job, 'failed', { ...problem }, `failed   ${job.remote}: ${String(problem.detail)} (${String(problem.code)})`);
  };

  // What is already there decides each file: left alone, announced, or sent to its pending URL again.
  const known = journal.entries();
  const toAnnounce: FileJob[] = [];
  const toSend: FileJob[] = [];
  await mapLimit(tree.files, options.concurrency, async (job) => {
    const content = await drive.content(job.parentId);
    const key = nameKey(job.name);
    const existing = content.items.find((item) => nameKey(item.name) === key);
    const pending = content.uploads.find((item) => nameKey(item.name) === key);
    if (existing?.kind === 'folder') {
      fail(job, new CliError('file_name_conflict', `A folder named "${existing.name}" is there.`, EXIT.conflict));
    } else if (existing && existing.size_in_bytes === job.size) {
      report(job, 'exists', { file_id: existing.id }, `exists   ${job.remote}`);
    } else if (existing) {
      decideConflict(job, existing);
    } else if (pending && known.has(pending.id)) {
      const entry = known.get(pending.id)!;
      const usable = Date.parse(entry.upload.expires_at) - Date.now() > URL_MARGIN_MS;
      if (usable && entry.size_in_bytes === job.size && pending.upload_status === 'uploading') {
        Object.assign(job, { fileId: pending.id, upload: entry.upload });
        toSend.push(job);
      } else {
        await drive.cancelUpload(pending.id).catch(() => undefined);
        journal.remove([pending.id]);
        toAnnounce.push(job);
      }
    } else toAnnounce.push(job);
  });

  function decideConflict(job: FileJob, existing: Item): void {
    if (options.conflict === 'skip') {
      report(job, 'skipped', { file_id: existing.id, reason: 'conflict' }, `skipped  ${job.remote} (name taken)`);
    } else if (options.conflict === 'fail') {
      const detail = `"${existing.name}" is there with another size (${existing.size_in_bytes} bytes); --conflict keep|replace|skip decides.`;
      fail(job, new ApiError(409, 'file_name_conflict', detail, { conflicting_file_id: existing.id }));
    } else {
      job.fileConflict = options.conflict === 'keep' ? 'Keep' : 'Replace';
      toAnnounce.push(job);
    }
  }

  progress.begin({
    files: toAnnounce.length + toSend.length,
    bytes: [...toAnnounce, ...toSend].reduce((sum, job) => sum + job.size, 0),
  });
  const agents = transferAgents(options.concurrency);
  const pool = new Pool(options.concurrency);
  const sent: FileJob[] = [];
  const send = (job: FileJob): void =>
    pool.add(async () => {
      progress.started(job.local, job.name, job.size);
      let moved = 0;
      try {
        await withRetries(
          async (attempt) => {
            progress.rewound(job.local, moved);
            moved = 0;
            try {
              await putFile(job.upload!, job.local, job.size, agents, (bytes) => {
                moved += bytes;
                progress.advanced(job.local, bytes);
              });
            } catch (error) {
              // A try that broke after storage kept the bytes: the URL writes once, so the next is refused.
              if (attempt > 1 && error instanceof ApiError && error.code === 'upload_already_received') return;
              throw error;
            }
          },
          undefined,
          () => undefined,
        );
        sent.push(job);
        if (!options.wait) {
          report(job, 'uploaded', { file_id: job.fileId, confirmed: false }, `uploaded ${job.remote}`);
        }
      } catch (error) {
        fail(job, error);
      } finally {
        progress.done(job.local);
      }
    });

  toSend.forEach(send);
  try {
    for (let start = 0; start < toAnnounce.length; start += BATCH) {
      const batch = toAnnounce.slice(start, start + BATCH);
      const files: RequestUpload[] = batch.map((job) => ({
        file_name: job.name,
        file_size_in_bytes: job.size,
        ...(job.parentId ? { parent_folder_id: job.parentId } : {}),
        content_type: 'application/octet-stream',
        ...(job.fileConflict ? { file_conflict: job.fileConflict } : {}),
      }));
      let results;
      try {
        ({ results } = await unwrap(client.POST('/files', { body: { files } })));
      } catch (error) {
        batch.forEach((job) => fail(job, error));
        continue;
      }
      const announced: FileJob[] = [];
      for (const result of results) {
        const job = batch[result.index];
        if (result.upload && result.file) {
          Object.assign(job, { fileId: result.file.id, upload: result.upload });
          announced.push(job);
        } else {
          const problem = result.error ?? { status: result.status, code: 'unknown', detail: 'Refused.' };
          fail(job, new ApiError(problem.status, problem.code, problem.detail, problem as Record<string, unknown>));
        }
      }
      // Replacements are not pending files (the existing one stays): only new files hold a name to resume.
      journal.add(
        announced
          .filter((job) => job.fileConflict !== 'Replace')
          .map((job) => ({ file_id: job.fileId!, size_in_bytes: job.size, upload: job.upload! })),
      );
      announced.forEach(send);
    }
    await pool.idle();
  } finally {
    progress.stop();
    agents.destroy();
  }

  if (options.wait) await awaitConfirmations(drive, sent, options.waitTimeout, report, fail);
  journal.remove(sent.map((job) => job.fileId!));

  const figures = progress.figures();
  const summary = {
    event: 'summary',
    ...counts,
    bytes: figures.bytes,
    seconds: Number(figures.seconds.toFixed(3)),
    bytes_per_second: Math.round(figures.bytesPerSecond),
  };
  ctx.output.event(
    summary,
    () =>
      `${counts.uploaded} uploaded, ${counts.exists} already there, ${counts.skipped} skipped, ${counts.failed} failed; ` +
      `${formatBytes(figures.bytes)} in ${figures.seconds.toFixed(1)} s (${formatBytes(figures.bytesPerSecond)}/s)`,
  );
  return counts.failed > 0 ? EXIT.partial : EXIT.ok;
}

/**
 * Waits until the workers have confirmed what was sent (the folder's `uploads` no longer lists a new file; a
 * replaced file shows its new size), or refused it (`upload_status: failed`).
 */
async function awaitConfirmations(
  drive: Drive,
  sent: FileJob[],
  timeoutSeconds: number,
  report: (job: FileJob, event: string, extra: Record<string, unknown>, human: string) => void,
  fail: (job: FileJob, error: unknown) => void,
): Promise<void> {
  let waiting = [...sent];
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (waiting.length > 0) {
    const parents = [...new Set(waiting.map((job) => job.parentId))];
    const contents = new Map(
      await mapLimit(parents, 4, async (parent) => [parent, await drive.content(parent, true)] as const),
    );
    waiting = waiting.filter((job) => {
      const content = contents.get(job.parentId)!;
      const pending = content.uploads.find((item) => item.id === job.fileId);
      const item = content.items.find((candidate) => candidate.id === job.fileId);
      if (pending?.upload_status === 'failed') {
        fail(job, new CliError('upload_rejected', 'Storage or the workers refused the bytes.', EXIT.failure));
      } else if (item && (job.fileConflict !== 'Replace' || item.size_in_bytes === job.size)) {
        const remote = job.fileConflict === 'Keep' ? job.remote.replace(/[^/]*$/, item.name) : job.remote;
        report(job, 'uploaded', { file_id: job.fileId, confirmed: true, remote }, `uploaded ${remote}`);
      } else return true;
      return false;
    });
    if (waiting.length === 0) break;
    if (Date.now() > deadline) {
      for (const job of waiting) {
        const detail = `Sent, but not confirmed within ${timeoutSeconds} s; it may still be.`;
        fail(job, new CliError('confirmation_timeout', detail, EXIT.unavailable));
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
