/** `share`, `unshare`, `shares`, `shared`: grants on one's items, and what others share. */
import { unwrap, type Item, type Share, type SharedItem } from '@app/sdk';
import type { Context } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { kindAndSize } from '../output';
import { allPages, Drive } from '../remote';

async function itemAt(drive: Drive, path: string): Promise<Item> {
  const target = await drive.resolve(path);
  if (target.kind === 'root') throw usageError('The root itself cannot be shared: share a folder.');
  return target.kind === 'file' ? target.file : target.folder;
}

const itemQuery = (item: Item) => (item.kind === 'file' ? { file_id: item.id } : { folder_id: item.id });

export async function share(
  ctx: Context,
  path: string,
  username: string,
  options: { permission: 'view' | 'edit' },
): Promise<number> {
  const drive = new Drive(ctx.client());
  const item = await itemAt(drive, path);
  const created = await unwrap(
    drive.client.POST('/share', {
      body: { share_object_type: item.kind, ...itemQuery(item), username, permission: options.permission },
    }),
  );
  ctx.output.result(created, () => `shared ${path} with ${created.recipient.username} (${created.permission})`);
  return EXIT.ok;
}

async function grants(drive: Drive, item: Item): Promise<Share[]> {
  return (await unwrap(drive.client.GET('/share', { params: { query: itemQuery(item) } }))).shares;
}

export async function shares(ctx: Context, path: string): Promise<number> {
  const drive = new Drive(ctx.client());
  const list = await grants(drive, await itemAt(drive, path));
  ctx.output.result({ shares: list }, () =>
    list.map((grant) => `${grant.id}  ${grant.recipient.username}  ${grant.permission}`).join('\n'),
  );
  return EXIT.ok;
}

async function sharedWithMe(ctx: Context): Promise<SharedItem[]> {
  const client = ctx.client();
  const read = (query: { limit: number; cursor?: string }) =>
    unwrap(client.GET('/shared-with-me', { params: { query } }));
  return (await allPages(read, (page) => page.content)).items;
}

/** The owner revokes a user's grant (or every grant with --all); a recipient, given no user, leaves the share. */
export async function unshare(
  ctx: Context,
  path: string,
  username: string | undefined,
  options: { all?: boolean },
): Promise<number> {
  const drive = new Drive(ctx.client());
  const item = await itemAt(drive, path);
  let revoked: string[];
  if (item.permission === 'owner') {
    if (!username && !options.all) throw usageError('Name the user whose access ends, or pass --all.');
    const list = await grants(drive, item);
    const chosen = options.all
      ? list
      : list.filter((grant) => grant.recipient.username.toLowerCase() === username!.toLowerCase());
    if (chosen.length === 0) {
      throw new CliError('share_not_found', `${path} is not shared with ${username}.`, EXIT.notFound);
    }
    revoked = chosen.map((grant) => grant.id);
  } else {
    const mine = (await sharedWithMe(ctx)).find((shared) => shared.id === item.id);
    if (!mine) throw new CliError('share_not_found', `${path} is not shared with you directly.`, EXIT.notFound);
    revoked = [mine.share_id];
  }
  for (const id of revoked) {
    await unwrap(drive.client.DELETE('/share/{share_id}', { params: { path: { share_id: id } } }));
  }
  ctx.output.result({ revoked }, () => `${revoked.length} share(s) of ${path} ended`);
  return EXIT.ok;
}

export async function shared(ctx: Context): Promise<number> {
  const items = await sharedWithMe(ctx);
  ctx.output.result({ items }, () =>
    items
      .map(
        (item) =>
          `${item.id}  ${kindAndSize(item)}  ${item.permission.padEnd(4)}  ${item.owner.username}  ${item.name}`,
      )
      .join('\n'),
  );
  return EXIT.ok;
}
