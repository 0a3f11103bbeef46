/** `trash ls|restore|rm|empty`: the caller's trash. */
import { unwrap, type Item, type TrashItem } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { kindAndSize } from '../output';
import { allPages, nameKey, splitPath } from '../remote';

async function allTrash(ctx: Context): Promise<TrashItem[]> {
  const client = ctx.client();
  const read = (query: { limit: number; cursor?: string }) => unwrap(client.GET('/trash', { params: { query } }));
  return (await allPages(read, (page) => page.items)).items;
}

export async function trashLs(ctx: Context): Promise<number> {
  const items = await allTrash(ctx);
  ctx.output.result({ items }, () => items.map((item) => `${item.id}  ${kindAndSize(item)}  ${item.name}`).join('\n'));
  return EXIT.ok;
}

/** Trash entries by id, or by name when exactly one entry has it. */
async function entries(ctx: Context, refs: string[]): Promise<TrashItem[]> {
  const items = await allTrash(ctx);
  return refs.map((ref) => {
    const { id } = splitPath(ref);
    const found = id
      ? items.filter((item) => item.id === id)
      : items.filter((item) => nameKey(item.name) === nameKey(ref));
    if (found.length === 0)
      throw new CliError('trash_item_not_found', `Nothing named ${ref} in the trash.`, EXIT.notFound);
    if (found.length > 1)
      throw usageError(`${found.length} entries of the trash are named ${ref}: name one by its id.`);
    return found[0];
  });
}

export async function trashRestore(ctx: Context, refs: string[]): Promise<number> {
  const client = ctx.client();
  const restored: Item[] = [];
  for (const entry of await entries(ctx, refs)) {
    restored.push(await unwrap(client.POST('/trash/{item_id}/restore', { params: { path: { item_id: entry.id } } })));
  }
  ctx.output.result({ restored }, () => restored.map((item) => `restored ${item.name}`).join('\n'));
  return EXIT.ok;
}

export async function trashRm(ctx: Context, refs: string[]): Promise<number> {
  const client = ctx.client();
  const purged: { id: string; name: string }[] = [];
  for (const entry of await entries(ctx, refs)) {
    await unwrap(client.DELETE('/trash/{item_id}', { params: { path: { item_id: entry.id } } }));
    purged.push({ id: entry.id, name: entry.name });
  }
  ctx.output.result({ purged }, () => purged.map((item) => `purged ${item.name}`).join('\n'));
  return EXIT.ok;
}

export async function trashEmpty(ctx: Context, options: { yes?: boolean }): Promise<number> {
  if (!options.yes) throw usageError('Emptying the trash is for good: add --yes.');
  await unwrap(ctx.client().DELETE('/trash'));
  ctx.output.result({ emptied: true }, () => 'The trash is empty.');
  return EXIT.ok;
}
