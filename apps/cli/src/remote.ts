/**
 * Remote paths. `/Reports/2026/q1.pdf` (or without the leading slash) walks the caller's drive from its root,
 * by name, in any case (the API's rule: siblings' names differ in more than case). A path whose first segment
 * is an id (`3f0c…/2026/q1.pdf`) starts from that item instead: how one reaches what others share.
 */
import { ApiError, unwrap, type CloudDriveClient, type Item, type Listing } from '@app/sdk';
import { CliError, EXIT, usageError } from './errors';

export type Unconfirmed = Listing['uploads'][number];

/** A folder's whole content: every page of items, and its unconfirmed uploads. */
export interface FolderContent {
  items: Item[];
  uploads: Unconfirmed[];
}

/** The root (`folder: null`), a folder, or a file, with the path it was named by. */
export type Target =
  | { kind: 'root'; folder: null; path: string }
  | { kind: 'folder'; folder: Item; path: string }
  | { kind: 'file'; file: Item; path: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key the API compares names by: NFC, trimmed, in any case. */
export const nameKey = (name: string): string => name.normalize('NFC').trim().toLowerCase();

export function splitPath(path: string): { id?: string; names: string[] } {
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw usageError(`".." is not allowed in a remote path: ${path}`);
  if (!path.startsWith('/') && segments.length > 0 && UUID.test(segments[0])) {
    return { id: segments[0].toLowerCase(), names: segments.slice(1) };
  }
  return { names: segments };
}

/** Every page of a keyset-paginated listing, 1,000 at a time: `read` fetches one page from a cursor. */
export async function allPages<P extends { next_cursor: string | null }, T>(
  read: (query: { limit: number; cursor?: string }) => Promise<P>,
  take: (page: P) => T[],
): Promise<{ first: P; items: T[] }> {
  const first = await read({ limit: 1000 });
  const items = [...take(first)];
  for (let cursor = first.next_cursor; cursor;) {
    const next = await read({ limit: 1000, cursor });
    items.push(...take(next));
    cursor = next.next_cursor;
  }
  return { first, items };
}

const notFound = (path: string): CliError => new CliError('not_found', `Nothing at ${path}.`, EXIT.notFound);

export class Drive {
  private readonly contents = new Map<string, Promise<FolderContent>>();

  constructor(readonly client: CloudDriveClient) {}

  /** A folder's (null: the root's) content, every page of it, read once per command unless `fresh`. */
  content(folderId: string | null, fresh = false): Promise<FolderContent> {
    const key = folderId ?? '';
    if (fresh || !this.contents.has(key)) {
      const read = this.readContent(folderId);
      this.contents.set(key, read);
      read.catch(() => this.contents.delete(key));
    }
    return this.contents.get(key)!;
  }

  /** Forgets what was read of a folder (after changing it). */
  forget(folderId: string | null): void {
    this.contents.delete(folderId ?? '');
  }

  /** One page of a folder's listing (null: the root's); the first carries the unconfirmed uploads. */
  page(folderId: string | null, query: { limit: number; cursor?: string }): Promise<Listing> {
    return folderId
      ? unwrap(this.client.GET('/drive/{folder_id}', { params: { path: { folder_id: folderId }, query } }))
      : unwrap(this.client.GET('/drive', { params: { query } }));
  }

  firstPage(folderId: string | null, limit: number): Promise<Listing> {
    return this.page(folderId, { limit });
  }

  private async readContent(folderId: string | null): Promise<FolderContent> {
    const { first, items } = await allPages(
      (query) => this.page(folderId, query),
      (page) => page.files_and_folders,
    );
    return { items, uploads: first.uploads };
  }

  async child(folderId: string | null, name: string): Promise<Item | undefined> {
    const key = nameKey(name);
    return (await this.content(folderId)).items.find((item) => nameKey(item.name) === key);
  }

  /** What a path names; exit code 5 when nothing is there. */
  async resolve(path: string): Promise<Target> {
    const { id, names } = splitPath(path);
    let current: Target = { kind: 'root', folder: null, path: '/' };
    if (id) current = await this.byId(id, path);
    for (const name of names) {
      if (current.kind === 'file') throw notFound(path);
      const found = await this.child(current.folder?.id ?? null, name);
      if (!found) throw notFound(path);
      current = found.kind === 'folder' ? { kind: 'folder', folder: found, path } : { kind: 'file', file: found, path };
    }
    return { ...current, path };
  }

  /** The folder a path names; a file there is a usage error. */
  async folder(path: string): Promise<Item | null> {
    const target = await this.resolve(path);
    if (target.kind === 'file') throw new CliError('not_a_folder', `${path} is a file, not a folder.`, EXIT.usage);
    return target.folder;
  }

  private async byId(id: string, path: string): Promise<Target> {
    try {
      const listing = await unwrap(
        this.client.GET('/drive/{folder_id}', { params: { path: { folder_id: id }, query: { limit: 1 } } }),
      );
      return { kind: 'folder', folder: listing.folder!, path };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'folder_not_found') throw error;
    }
    try {
      const download = await unwrap(this.client.GET('/file/{file_id}', { params: { path: { file_id: id } } }));
      return { kind: 'file', file: download.file, path };
    } catch (error) {
      // Neither a folder nor a file the caller may see.
      if (error instanceof ApiError && error.code === 'file_not_found') throw notFound(path);
      throw error;
    }
  }

  /** The folder named `name` in the parent: the one there, or a new one (a race to create it is no error). */
  async ensureFolder(parentId: string | null, name: string): Promise<Item> {
    const existing = await this.child(parentId, name);
    if (existing) {
      if (existing.kind === 'folder') return existing;
      throw new CliError('file_name_conflict', `A file named "${existing.name}" is in the way.`, EXIT.conflict);
    }
    try {
      const created = await unwrap(
        this.client.POST('/drive', {
          body: { folder_name: name, ...(parentId ? { parent_folder_id: parentId } : {}) },
        }),
      );
      (await this.content(parentId)).items.push(created);
      // A new folder is empty: no need to read it.
      this.contents.set(created.id, Promise.resolve({ items: [], uploads: [] }));
      return created;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'folder_name_conflict') throw error;
      const found = await this.content(parentId, true).then(() => this.child(parentId, name));
      if (found?.kind === 'folder') return found;
      throw error;
    }
  }

  /** `mkdir -p`: every folder of the path, the missing ones created. */
  async mkdirp(path: string): Promise<Item | null> {
    const { id, names } = splitPath(path);
    let parent: Item | null = id ? await this.folder(id) : null;
    for (const name of names) parent = await this.ensureFolder(parent?.id ?? null, name);
    return parent;
  }

  /** Deletes an unconfirmed upload (its name and reservation are free at once). */
  async cancelUpload(fileId: string): Promise<void> {
    await unwrap(this.client.DELETE('/file/{file_id}', { params: { path: { file_id: fileId } } }));
  }
}

/** The remote folder and name a path names: `/a/b/c.txt` → `/a/b`, `c.txt`. */
export function parentAndName(path: string): { parent: string; name: string } {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  if (!name) throw usageError(`No name in ${path}.`);
  return { parent: slash < 0 ? '' : trimmed.slice(0, slash) || '/', name };
}
