/** `ls`, `mkdir`, `mv`, `rename`, `rm`: the drive's folders and files by path. */
import { unwrap, type Item } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { kindAndSize } from '../output';
import { Drive, parentAndName } from '../remote';

/** One line of a listing: kind, size, last change, name (a folder's name ends with `/`). */
export function itemLine(item: Item, name: string = item.name): string {
  const when = item.last_interaction.slice(0, 16).replace('T', ' ');
  return `${kindAndSize(item)}  ${when}  ${name}${item.kind === 'folder' ? '/' : ''}`;
}

const joinPath = (base: string, name: string): string => `${base.replace(/\/+$/, '')}/${name}`;

export async function ls(ctx: Context, path: string, options: { recursive?: boolean }): Promise<number> {
  const drive = new Drive(ctx.client());
  const target = await drive.resolve(path);
  if (target.kind === 'file') {
    ctx.output.result({ path, folder: null, items: [target.file] }, () => itemLine(target.file));
    return EXIT.ok;
  }
  const folderId = target.folder?.id ?? null;
  if (!options.recursive) {
    const { items } = await drive.content(folderId);
    ctx.output.result({ path, folder: target.folder, items }, () => items.map((item) => itemLine(item)).join('\n'));
    return EXIT.ok;
  }
  // A tree: a stream, one line (or JSON line) per item, parents before what is in them.
  const base = path === '' || path === '/' ? '' : path.replace(/\/+$/, '');
  const walk = async (id: string | null, prefix: string): Promise<void> => {
    for (const item of (await drive.content(id)).items) {
      const itemPath = joinPath(prefix, item.name);
      ctx.output.event({ ...item, path: itemPath }, () => itemLine(item, itemPath));
      if (item.kind === 'folder') await walk(item.id, itemPath);
    }
  };
  await walk(folderId, base);
  return EXIT.ok;
}

export async function mkdir(ctx: Context, paths: string[], options: { parents?: boolean }): Promise<number> {
  const drive = new Drive(ctx.client());
  const made: Item[] = [];
  for (const path of paths) {
    if (options.parents) {
      const folder = await drive.mkdirp(path);
      if (!folder) throw usageError('The root always exists.');
      made.push(folder);
    } else {
      const { parent, name } = parentAndName(path);
      const parentFolder = await drive.folder(parent);
      made.push(
        await unwrap(
          drive.client.POST('/drive', {
            body: { folder_name: name, ...(parentFolder ? { parent_folder_id: parentFolder.id } : {}) },
          }),
        ),
      );
    }
  }
  ctx.output.result({ folders: made }, () => made.map((folder) => `${folder.id}  ${folder.name}/`).join('\n'));
  return EXIT.ok;
}

/** PATCHes a file or a folder: a new name, and/or a new parent (null: the root). */
async function patchItem(drive: Drive, item: Item, change: { name?: string; parent?: string | null }): Promise<Item> {
  const parent = change.parent !== undefined ? { parent_folder_id: change.parent } : {};
  if (item.kind === 'folder') {
    return unwrap(
      drive.client.PATCH('/drive/{folder_id}', {
        params: { path: { folder_id: item.id } },
        body: { ...(change.name !== undefined ? { new_name: change.name } : {}), ...parent },
      }),
    );
  }
  return unwrap(
    drive.client.PATCH('/file/{file_id}', {
      params: { path: { file_id: item.id } },
      body: { ...(change.name !== undefined ? { file_name: change.name } : {}), ...parent },
    }),
  );
}

async function itemAt(drive: Drive, path: string): Promise<Item> {
  const target = await drive.resolve(path);
  if (target.kind === 'root') throw usageError('The root cannot be moved, renamed or deleted.');
  return target.kind === 'file' ? target.file : target.folder;
}

export async function mv(ctx: Context, sources: string[], destination: string): Promise<number> {
  const drive = new Drive(ctx.client());
  const folder = await drive.folder(destination);
  const moved: Item[] = [];
  for (const source of sources)
    moved.push(await patchItem(drive, await itemAt(drive, source), { parent: folder?.id ?? null }));
  ctx.output.result({ moved }, () => moved.map((item) => `moved ${item.name} → ${destination}`).join('\n'));
  return EXIT.ok;
}

export async function rename(ctx: Context, path: string, newName: string): Promise<number> {
  const drive = new Drive(ctx.client());
  const renamed = await patchItem(drive, await itemAt(drive, path), { name: newName });
  ctx.output.result(renamed, () => `renamed ${path} → ${renamed.name}`);
  return EXIT.ok;
}

export async function rm(ctx: Context, paths: string[], options: { recursive?: boolean }): Promise<number> {
  const drive = new Drive(ctx.client());
  const deleted: { id: string; kind: string; path: string }[] = [];
  for (const path of paths) {
    const item = await itemAt(drive, path);
    if (item.kind === 'folder') {
      if (!options.recursive) {
        throw new CliError(
          'is_a_folder',
          `${path} is a folder: rm -r moves it and all in it to the trash.`,
          EXIT.usage,
        );
      }
      await unwrap(drive.client.DELETE('/drive/{folder_id}', { params: { path: { folder_id: item.id } } }));
    } else await unwrap(drive.client.DELETE('/file/{file_id}', { params: { path: { file_id: item.id } } }));
    deleted.push({ id: item.id, kind: item.kind, path });
    drive.forget(item.parent_folder_id);
  }
  ctx.output.result({ deleted }, () => deleted.map((item) => `trashed ${item.path}`).join('\n'));
  return EXIT.ok;
}
