import { openTestRepositories, TestRepositories } from '@app/testing';
import { Item, User } from '../entities';
import { AccessRepository } from './access.repository';
import { SharesRepository } from './shares.repository';
import { TrashRepository } from './trash.repository';

describe('AccessRepository (real PostgreSQL): ownership and inherited shares', () => {
  let db: TestRepositories;
  let access: AccessRepository;
  let owner: User;
  let friend: User;
  let stranger: User;
  // owner's tree: top / middle / bottom / deep.txt, and top / shallow.txt
  let top: Item;
  let middle: Item;
  let bottom: Item;
  let deep: Item;
  let shallow: Item;

  beforeAll(async () => {
    db = await openTestRepositories();
    access = db.module.get(AccessRepository);
    [owner, friend, stranger] = [await db.make.user(), await db.make.user(), await db.make.user()];
    top = await db.make.folder(owner.id);
    middle = await db.make.folder(owner.id, top.id);
    bottom = await db.make.folder(owner.id, middle.id);
    deep = await db.make.confirmedFile(owner.id, bottom.id);
    shallow = await db.make.confirmedFile(owner.id, top.id);
    const shares = db.module.get(SharesRepository);
    await shares.create(top.id, friend.id, 'view');
    await shares.create(middle.id, friend.id, 'edit');
  });
  afterAll(() => db.close());

  const standingOf = async (user: User, items: Item[]) =>
    Object.fromEntries(
      (
        await access.accessTo(
          user.id,
          items.map((item) => item.id),
        )
      ).map((a) => [a.item.id, { standing: a.standing, grantDepth: a.grantDepth }]),
    );

  it('answers the owner as owner, with no grant', async () => {
    expect(await standingOf(owner, [top, deep])).toEqual({
      [top.id]: { standing: 'owner', grantDepth: null },
      [deep.id]: { standing: 'owner', grantDepth: null },
    });
  });

  it('inherits grants down the tree; the strongest wins; the depth is the furthest grant’s', async () => {
    expect(await standingOf(friend, [top, shallow, middle, bottom, deep])).toEqual({
      [top.id]: { standing: 'view', grantDepth: 0 },
      [shallow.id]: { standing: 'view', grantDepth: 1 },
      [middle.id]: { standing: 'edit', grantDepth: 1 },
      [bottom.id]: { standing: 'edit', grantDepth: 2 },
      [deep.id]: { standing: 'edit', grantDepth: 3 },
    });
  });

  it('gives a user with no grant no standing, and says who owns the item', async () => {
    const [answer] = await access.accessTo(stranger.id, [deep.id]);
    expect(answer).toMatchObject({ standing: null, grantDepth: null, ownerUsername: owner.username });
    expect(answer.item).toMatchObject({ id: deep.id, ownerId: owner.id });
  });

  it('leaves out ids with no row, and answers nothing for no ids', async () => {
    expect(await access.accessTo(friend.id, ['00000000-0000-4000-8000-000000000000', deep.id])).toHaveLength(1);
    expect(await access.accessTo(friend.id, [])).toEqual([]);
  });

  it('still answers for items in the trash (their restore and purge are judged on it)', async () => {
    const trashed = await db.make.confirmedFile(owner.id, bottom.id);
    await db.module.get(TrashRepository).trash(trashed.id);
    const [answer] = await access.accessTo(friend.id, [trashed.id]);
    expect(answer.standing).toBe('edit');
    expect(answer.item.trashRootId).toBe(trashed.id);
  });

  it('a revoked grant is gone from every item below it', async () => {
    const other = await db.make.user();
    const shares = db.module.get(SharesRepository);
    const grant = await shares.create(middle.id, other.id, 'view');
    expect((await standingOf(other, [deep]))[deep.id].standing).toBe('view');
    await shares.delete(grant!.id);
    expect((await standingOf(other, [deep]))[deep.id].standing).toBeNull();
  });

  it('names the items granted directly with edit among a listing’s', async () => {
    expect(await access.editGrantedAmong(friend.id, [top.id, middle.id, bottom.id])).toEqual(new Set([middle.id]));
    expect(await access.editGrantedAmong(friend.id, [])).toEqual(new Set());
  });
});
