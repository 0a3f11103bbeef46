/**
 * `clouddrive upload <local...> <remote-folder>`: files and whole directories, the structure recreated (a
 * directory `photos` lands as `<remote-folder>/photos`, like `cp -r`). Files are announced 100 at a time
 * (POST /files) and their bytes streamed to the presigned URLs, `--concurrency` at once, each retried with
 * backoff. A file already there with the same size is left alone, so running a job again resumes it; a pending
 * upload this machine announced (the journal) is sent again to its URL or announced afresh.
 */
import { opendir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ApiError, unwrap, type Item, type RequestUpload, type Upload } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT } from '../errors';
import { putFile, transferAgents, withRetries } from '../http';
import { Journal } from '../journal';
import { mapLimit, Pool } from '../pool';
import { Progress } from '../progress';
import { Drive, nameKey, type Unconfirmed } from '../remote';

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
  /** The name the API gave the file (another with --conflict keep). */
  storedName?: string;
  /** Its upload URL is a killed run's, from the journal. */
  resumed?: boolean;
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
  for (const path of sources) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CliError('local_not_found', `No such file or directory: ${path}`, EXIT.notFound);
    if (info.isDirectory()) await walk(path, basename(path));
    else addFile(path, info.size, '');
  }
  return tree;
}

export async function upload(ctx: Context, sources: string[], destination: string, options: UploadOptions) {
  const client = ctx.client();
  const drive = new Drive(client);
  const journal = new Journal(ctx.env.stateDir, ctx.baseUrl);
  const tree = await scan(
    sources.map((source) => ctx.local(source)),
    destination,
  );
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

  const progress = new Progress(ctx.output, 'upload', ['uploaded', 'exists', 'skipped', 'failed']);
  const fields = (job: FileJob, extra: Record<string, unknown> = {}) => ({
    path: ctx.shown(job.local),
    remote: job.remote,
    size_in_bytes: job.size,
    ...extra,
  });
  const fail = (job: FileJob, error: unknown): void => progress.failed(fields(job), error);
  /** Journal entries to drop at the end: files this run saw settle, or found already there. */
  const settled = new Set<string>();

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
      settled.add(existing.id);
      progress.record('exists', fields(job, { file_id: existing.id }), `exists   ${job.remote}`);
    } else if (existing) {
      decideConflict(job, existing);
    } else if (pending && known.has(pending.id)) {
      const entry = known.get(pending.id)!;
      const usable = Date.parse(entry.upload.expires_at) - Date.now() > URL_MARGIN_MS;
      if (usable && entry.size_in_bytes === job.size && pending.upload_status === 'uploading') {
        Object.assign(job, { fileId: pending.id, upload: entry.upload, resumed: true });
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
      const extra = { file_id: existing.id, reason: 'conflict' };
      progress.record('skipped', fields(job, extra), `skipped  ${job.remote} (name taken)`);
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
  const confirmations = new Confirmations(drive, (job, error) => {
    settled.add(job.fileId!);
    if (error) fail(job, error);
    else {
      // Under its name as the API gave it (`report(1).pdf` with --conflict keep).
      const remote = job.remote.replace(/[^/]*$/, job.storedName ?? job.name);
      progress.record('uploaded', fields(job, { remote, file_id: job.fileId, confirmed: true }), `uploaded ${remote}`);
    }
  });
  const send = (job: FileJob): void =>
    pool.add(async () => {
      progress.started(job.local, job.name, job.size);
      let moved = 0;
      try {
        await withRetries(async (attempt) => {
          progress.rewound(job.local, moved);
          moved = 0;
          try {
            await putFile(job.upload!, job.local, job.size, agents, (bytes) => {
              moved += bytes;
              progress.advanced(job.local, bytes);
            });
          } catch (error) {
            // The URL writes once: refused after an earlier try (this run's, or a killed run's with the URL
            // reused) means those bytes arrived.
            const landed = attempt > 1 || job.resumed;
            if (landed && error instanceof ApiError && error.code === 'upload_already_received') return;
            throw error;
          }
        });
        if (options.wait) confirmations.add(job);
        else {
          settled.add(job.fileId!);
          const extra = { file_id: job.fileId, confirmed: false };
          progress.record('uploaded', fields(job, extra), `uploaded ${job.remote}`);
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
          Object.assign(job, { fileId: result.file.id, upload: result.upload, storedName: result.file.name });
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
    progress.stop();
    await confirmations.settle(options.waitTimeout);
  } finally {
    progress.stop();
    agents.destroy();
    confirmations.stop();
    journal.remove(settled);
  }
  return progress.summary();
}

/**
 * Watches what was sent until the workers confirm it (the folder's `uploads` no longer lists a new file; a
 * replaced file shows its new size) or refuse it (`upload_status: failed`), reading each folder concerned
 * twice a second while files are sent, so that each is reported as it is confirmed.
 */
class Confirmations {
  private readonly waiting = new Set<FileJob>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly drive: Drive,
    private readonly settle_: (job: FileJob, error?: unknown) => void,
  ) {}

  add(job: FileJob): void {
    this.waiting.add(job);
    this.timer ??= setInterval(() => void this.poll(), 500);
  }

  /** Reads the folders of the files waiting; settles those the workers are done with. */
  private poll(): Promise<void> {
    this.polling ??= this.check().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /**
   * A new file is confirmed once its folder's `uploads` (on the first page, whatever its `limit`) no longer
   * lists it: one page of one item per folder is enough to know. A replacement is no pending file: its folder
   * is read whole, for the file's new size. So is a folder with a full `uploads` (1,000, where older ones may
   * be left out of it).
   */
  private async check(): Promise<void> {
    const jobs = [...this.waiting];
    const parents = [...new Set(jobs.map((job) => job.parentId))];
    const wholeFolder = new Set(jobs.filter((job) => job.fileConflict === 'Replace').map((job) => job.parentId));
    let pages: Map<string | null, { uploads: Unconfirmed[]; items?: Item[] }>;
    try {
      pages = new Map(
        await mapLimit(parents, 4, async (parent) => {
          const first = await this.drive.firstPage(parent, 1);
          const read = wholeFolder.has(parent) || first.uploads.length >= 1000;
          return [parent, read ? await this.drive.content(parent, true) : { uploads: first.uploads }] as const;
        }),
      );
    } catch {
      return; // The next poll tries again; the deadline bounds it.
    }
    for (const job of jobs) {
      const { uploads, items } = pages.get(job.parentId)!;
      const pending = uploads.find((candidate) => candidate.id === job.fileId);
      const item = items?.find((candidate) => candidate.id === job.fileId);
      const settled = items
        ? !!item && (job.fileConflict !== 'Replace' || item.size_in_bytes === job.size)
        : pending === undefined;
      if (pending?.upload_status === 'failed') {
        this.waiting.delete(job);
        this.settle_(job, new CliError('upload_rejected', 'Storage or the workers refused the bytes.'));
      } else if (settled) {
        this.waiting.delete(job);
        this.settle_(job);
      }
    }
  }

  /** Waits for every file sent, up to `timeoutSeconds` from now; those left are reported as not confirmed. */
  async settle(timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (this.waiting.size > 0 && Date.now() < deadline) {
      await this.poll();
      if (this.waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const job of this.waiting) {
      const detail = `Sent, but not confirmed within ${timeoutSeconds} s; it may still be.`;
      this.settle_(job, new CliError('confirmation_timeout', detail, EXIT.unavailable));
    }
    this.waiting.clear();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
