/**
 * The upload queue: files and whole folders into a folder of the drive. Folders are recreated with
 * POST /drive; files are announced 100 at a time with POST /files; a name conflict is asked about once per
 * batch (keep both, replace, skip); the bytes go straight to storage over the presigned PUTs, four at a time,
 * with XMLHttpRequest (fetch reports no upload progress). A file whose bytes are sent is `confirming` until the change
 * feed says the workers confirmed it (`upload_confirmed`) or refused it (`upload_rejected`).
 */
import { signedHeaders, type Item, type RequestUpload, type Upload } from '@app/sdk';
import { api, ApiError, messageOf, unwrap } from '../api/client';
import { onChange } from './live';

export type ConflictChoice = 'Keep' | 'Replace' | 'Skip';
export type UploadState =
  'preparing' | 'queued' | 'uploading' | 'confirming' | 'done' | 'failed' | 'cancelled' | 'skipped';

export interface UploadTask {
  id: number;
  file: File;
  /** The path inside the dropped or picked folder ('' for a lone file). */
  dir: string;
  parentId: string | null;
  loaded: number;
  state: UploadState;
  error?: string;
  upload?: Upload;
  /** The pending file's id once announced (GET /drive's `uploads` lists it too: shown once, here). */
  fileId?: string;
  conflict?: 'Keep' | 'Replace';
  xhr?: XMLHttpRequest;
  /** The workers' verdict, when it was heard before the PUT's own answer came back. */
  verdict?: 'confirmed' | 'rejected';
}

export interface PickedFile {
  file: File;
  /** Folders above the file, relative to where it is uploaded: 'photos/2024' or ''. */
  dir: string;
}

export interface BatchSnapshot {
  tasks: readonly UploadTask[];
  totalBytes: number;
  loadedBytes: number;
  bytesPerSecond: number;
  secondsLeft: number;
  active: boolean;
}

const CONCURRENCY = 4;
const BATCH_LIMIT = 100;
const SENDING: readonly UploadState[] = ['preparing', 'queued', 'uploading'];
/** Still to settle: the batch goes on until every file is confirmed (or refused). */
const ACTIVE: readonly UploadState[] = [...SENDING, 'confirming'];
const REJECTED = 'Storage received the file, but it was refused (its size changed, or access was lost meanwhile).';

class UploadManager {
  private tasks: UploadTask[] = [];
  private nextId = 1;
  private running = 0;
  private startedAt = 0;
  private loadedAtStart = 0;
  private listeners = new Set<() => void>();
  private snapshotCache: BatchSnapshot | null = null;
  private emitScheduled = false;
  /** Asked once per batch when names are taken; set by the UI. */
  askConflict: (names: string[]) => Promise<ConflictChoice> = async () => 'Keep';

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): BatchSnapshot => {
    if (this.snapshotCache) return this.snapshotCache;
    const counted = this.tasks.filter((task) => task.state !== 'skipped' && task.state !== 'cancelled');
    const totalBytes = counted.reduce((sum, task) => sum + task.file.size, 0);
    const loadedBytes = counted.reduce((sum, task) => sum + task.loaded, 0);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const bytesPerSecond = seconds > 0.5 ? (loadedBytes - this.loadedAtStart) / seconds : 0;
    this.snapshotCache = {
      tasks: [...this.tasks],
      totalBytes,
      loadedBytes,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (totalBytes - loadedBytes) / bytesPerSecond : Infinity,
      active: this.tasks.some((task) => ACTIVE.includes(task.state)),
    };
    return this.snapshotCache;
  };

  /** The announced files' ids, space-separated: a value that changes only when they do. */
  fileIds = (): string =>
    this.tasks
      .map((task) => task.fileId)
      .filter(Boolean)
      .join(' ');

  /** Changes are many (progress events): listeners hear of them once a frame at most. */
  private emit(): void {
    this.snapshotCache = null;
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    requestAnimationFrame(() => {
      this.emitScheduled = false;
      this.snapshotCache = null;
      this.listeners.forEach((listener) => listener());
    });
  }

  /** Bytes still on their way: leaving the page now would lose them. */
  sending(): boolean {
    return this.tasks.some((task) => SENDING.includes(task.state));
  }

  /** The workers' verdict on a file of this tab, from the change feed. */
  heard(fileId: string, verdict: 'confirmed' | 'rejected'): void {
    for (const task of this.tasks) {
      if (task.fileId !== fileId) continue;
      if (task.state === 'uploading') task.verdict = verdict;
      else if (task.state === 'confirming') this.conclude(task, verdict);
    }
  }

  /** The feed lost track (cursor_expired): the verdicts missed are unknown; the bytes did arrive. */
  lostTrack(): void {
    for (const task of this.tasks) if (task.state === 'confirming') this.conclude(task, 'confirmed');
  }

  private conclude(task: UploadTask, verdict: 'confirmed' | 'rejected'): void {
    if (verdict === 'confirmed') this.settle(task, 'done');
    else this.fail(task, REJECTED);
  }

  /** Forgets the finished uploads (the panel's close button). */
  clearFinished(): void {
    this.tasks = this.tasks.filter((task) => ACTIVE.includes(task.state));
    this.emit();
  }

  async add(picked: PickedFile[], parentId: string | null): Promise<void> {
    if (picked.length === 0) return;
    if (!this.snapshot().active) {
      this.tasks = this.tasks.filter((task) => ACTIVE.includes(task.state));
      this.startedAt = performance.now();
      this.loadedAtStart = 0;
    }
    const tasks = picked.map<UploadTask>(({ file, dir }) => ({
      id: this.nextId++,
      file,
      dir,
      parentId,
      loaded: 0,
      state: 'preparing',
    }));
    this.tasks.push(...tasks);
    this.emit();

    try {
      await this.createFolders(tasks, parentId);
    } catch (error) {
      for (const task of tasks) this.fail(task, messageOf(error));
      return;
    }
    const conflicts = await this.announce(tasks.filter((task) => task.state === 'preparing'));
    if (conflicts.length > 0) {
      const choice = await this.askConflict(conflicts.map((task) => task.file.name));
      if (choice === 'Skip') for (const task of conflicts) this.settle(task, 'skipped');
      else {
        for (const task of conflicts) task.conflict = choice;
        const again = await this.announce(conflicts);
        for (const task of again) this.fail(task, 'The name is still taken.');
      }
    }
    this.pump();
  }

  cancel(task: UploadTask): void {
    if (task.state === 'uploading') task.xhr?.abort();
    else if (task.state === 'queued' || task.state === 'preparing') this.settle(task, 'cancelled');
    else return;
    this.forget(task);
  }

  /** Deletes a cancelled file's pending upload: a new file holds its name until then (a Replace's file is the existing one: kept). */
  private forget(task: UploadTask): void {
    if (!task.fileId || task.conflict === 'Replace') return;
    void api.DELETE('/file/{file_id}', { params: { path: { file_id: task.fileId } } });
  }

  /** Sends a failed file again: its presigned URL while it is valid, else a new one. */
  async retry(task: UploadTask): Promise<void> {
    if (task.state !== 'failed') return;
    task.error = undefined;
    task.loaded = 0;
    task.state = 'preparing';
    this.emit();
    if (!task.upload || Date.parse(task.upload.expires_at) - Date.now() < 60_000) {
      task.upload = undefined;
      task.conflict ??= 'Keep';
      const conflicts = await this.announce([task]);
      for (const left of conflicts) this.fail(left, 'The name is taken.');
    } else {
      task.state = 'queued';
    }
    this.pump();
  }

  /** Recreates the picked folders' structure under the target folder (an existing folder is reused). */
  private async createFolders(tasks: UploadTask[], parentId: string | null): Promise<void> {
    const ids = new Map<string, string | null>([['', parentId]]);
    const dirs = [...new Set(tasks.map((task) => task.dir))].flatMap((dir) =>
      dir.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/')),
    );
    for (const dir of [...new Set(dirs)].filter(Boolean).sort((a, b) => a.split('/').length - b.split('/').length)) {
      const slash = dir.lastIndexOf('/');
      const parent = ids.get(slash < 0 ? '' : dir.slice(0, slash)) ?? null;
      ids.set(dir, await ensureFolder(dir.slice(slash + 1), parent));
    }
    for (const task of tasks) task.parentId = ids.get(task.dir) ?? parentId;
  }

  /** POST /files for the tasks, 100 at a time: the ones that got an upload are queued; the conflicts returned. */
  private async announce(tasks: UploadTask[]): Promise<UploadTask[]> {
    const conflicts: UploadTask[] = [];
    for (let start = 0; start < tasks.length; start += BATCH_LIMIT) {
      const chunk = tasks.slice(start, start + BATCH_LIMIT).filter((task) => task.state === 'preparing');
      if (chunk.length === 0) continue;
      const files: RequestUpload[] = chunk.map((task) => ({
        file_name: task.file.name,
        file_size_in_bytes: task.file.size,
        parent_folder_id: task.parentId,
        content_type: task.file.type || 'application/octet-stream',
        ...(task.conflict ? { file_conflict: task.conflict } : {}),
      }));
      try {
        const { results } = await unwrap(api.POST('/files', { body: { files } }));
        for (const result of results) {
          const task = chunk[result.index];
          task.fileId = result.upload ? result.file?.id : task.fileId;
          if (task.state === 'cancelled') this.forget(task);
          if (task.state !== 'preparing') continue;
          if (result.upload) {
            task.upload = result.upload;
            task.state = 'queued';
          } else if (result.error?.code === 'file_name_conflict') conflicts.push(task);
          else this.fail(task, result.error?.detail ?? 'The upload was refused.');
        }
      } catch (error) {
        for (const task of chunk) this.fail(task, messageOf(error));
      }
    }
    this.emit();
    return conflicts;
  }

  private pump(): void {
    while (this.running < CONCURRENCY) {
      const task = this.tasks.find((candidate) => candidate.state === 'queued');
      if (!task) break;
      this.running++;
      void this.send(task).finally(() => {
        this.running--;
        this.pump();
      });
    }
    this.emit();
  }

  private send(task: UploadTask): Promise<void> {
    const upload = task.upload!;
    task.state = 'uploading';
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      task.xhr = xhr;
      xhr.open(upload.method, upload.url);
      for (const [name, value] of Object.entries(signedHeaders(upload))) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        task.loaded = event.loaded;
        this.emit();
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          task.loaded = task.file.size;
          if (task.verdict) this.conclude(task, task.verdict);
          else this.settle(task, 'confirming');
        } else this.fail(task, storageError(xhr));
        resolve();
      };
      xhr.onerror = () => {
        this.fail(task, 'The connection to storage failed.');
        resolve();
      };
      xhr.onabort = () => {
        this.settle(task, 'cancelled');
        resolve();
      };
      xhr.send(task.file);
    });
  }

  private settle(task: UploadTask, state: UploadState): void {
    task.state = state;
    task.xhr = undefined;
    if (state !== 'done' && state !== 'confirming') task.loaded = 0;
    this.emit();
  }

  private fail(task: UploadTask, error: string): void {
    task.error = error;
    this.settle(task, 'failed');
  }
}

function storageError(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as { detail?: string };
    if (body.detail) return body.detail;
  } catch {
    // S3 answers in XML.
  }
  return `Storage refused the upload (${xhr.status}).`;
}

/** The id of the folder of that name in the parent: created, or the one already there. */
async function ensureFolder(name: string, parentId: string | null): Promise<string> {
  try {
    const folder = await unwrap(api.POST('/drive', { body: { folder_name: name, parent_folder_id: parentId } }));
    return folder.id;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'folder_name_conflict') throw error;
  }
  let cursor: string | undefined;
  do {
    const query = { limit: 1000, ...(cursor ? { cursor } : {}) };
    const page = parentId
      ? await unwrap(api.GET('/drive/{folder_id}', { params: { path: { folder_id: parentId }, query } }))
      : await unwrap(api.GET('/drive', { params: { query } }));
    const found = page.files_and_folders.find(
      (item: Item) => item.kind === 'folder' && item.name.toLowerCase() === name.toLowerCase(),
    );
    if (found) return found.id;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  throw new Error(`The folder ${name} could not be created.`);
}

export const uploads = new UploadManager();

window.addEventListener('beforeunload', (event) => {
  if (uploads.sending()) event.preventDefault();
});

onChange((change) => {
  if (change === null) uploads.lostTrack();
  else if (change.item && change.type === 'upload_confirmed') uploads.heard(change.item.id, 'confirmed');
  else if (change.item && change.type === 'upload_rejected') uploads.heard(change.item.id, 'rejected');
});

/** Files of an <input type=file> (with webkitdirectory, each knows its path in the picked folder). */
export function pickedFiles(list: FileList): PickedFile[] {
  return Array.from(list, (file) => {
    const path = file.webkitRelativePath || '';
    return { file, dir: path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '' };
  });
}

/** Files and folders dropped on the page, folders walked (webkitGetAsEntry must be read during the drop). */
export async function droppedFiles(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(transfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry());
  if (entries.some((entry) => entry === null)) return Array.from(transfer.files, (file) => ({ file, dir: '' }));
  const found: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, dir: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      found.push({ file, dir });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path);
      }
    }
  };
  for (const entry of entries) await walk(entry!, '');
  return found;
}
