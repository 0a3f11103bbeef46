import { readTestEnvironment } from '@app/config';
import { openTestRepositories, TestRepositories } from '@app/testing';
import { Transactions } from '../transactions';
import { ChangeEntry, ChangesRepository } from './changes.repository';
import { SharesRepository } from './shares.repository';

/**
 * The change log against the real database (four connections on a PostgreSQL server, where transactions really
 * run at once): numbering in commit order, the hooks around a commit, who hears about an item, the retention.
 */
describe('ChangesRepository', () => {
  let db: TestRepositories;
  let changes: ChangesRepository;
  let transactions: Transactions;
  beforeAll(async () => {
    db = await openTestRepositories();
    changes = db.module.get(ChangesRepository);
    transactions = db.module.get(Transactions);
  });
  afterAll(() => db.close());

  const entry = (userId: string, name: string): ChangeEntry => ({
    userId,
    kind: 'item_created',
    itemId: null,
    itemKind: null,
    name,
    parentFolderId: null,
    data: null,
  });

  it('numbers each user’s changes 1, 2, 3… with no gap, however many transactions append at once', async () => {
    const [a, b] = [await db.make.user(), await db.make.user()];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        transactions.run(() => changes.append([entry(a.id, `a${i}`), entry(b.id, `b${i}`), entry(a.id, `a${i}'`)])),
      ),
    );
    const ofA = await changes.changesAfter(a.id, 0, 100);
    expect(ofA.map((change) => change.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    // A transaction's own changes stay together and in order.
    for (let i = 0; i < 24; i += 2) expect(ofA[i + 1].name).toBe(`${ofA[i].name}'`);
    expect((await changes.changesAfter(b.id, 0, 100)).map((change) => change.seq)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(await changes.feedState(a.id)).toEqual({ lastSeq: 24, purgedSeq: 0 });
  });

  it('reads several feeds in one statement, each answer after its own number and within its own limit', async () => {
    const [a, b, silent] = [await db.make.user(), await db.make.user(), await db.make.user()];
    await transactions.run(() =>
      changes.append(['a1', 'a2', 'a3', 'a4'].map((name) => entry(a.id, name)).concat(entry(b.id, 'b1'))),
    );
    const answers = await changes.changesAfterEach([
      { userId: b.id, afterSeq: 0, limit: 10 },
      { userId: a.id, afterSeq: 1, limit: 2 },
      { userId: silent.id, afterSeq: 0, limit: 10 },
      { userId: a.id, afterSeq: 3, limit: 10 },
    ]);
    expect(answers.map((answer) => answer.map((change) => [change.userId, change.seq, change.name]))).toEqual([
      [[b.id, 1, 'b1']],
      [
        [a.id, 2, 'a2'],
        [a.id, 3, 'a3'],
      ],
      [],
      [[a.id, 4, 'a4']],
    ]);
    expect(Object.keys(answers[0][0]).sort()).toEqual(Object.keys((await changes.changesAfter(b.id, 0, 1))[0]).sort());
    expect(await changes.changesAfterEach([])).toEqual([]);
  });

  it('never lets a later number commit before an earlier one', async () => {
    const user = await db.make.user();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const held = new Promise<void>((resolve) => (releaseFirst = resolve));
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => (appended = resolve));
    const first = transactions.run(async () => {
      await changes.append([entry(user.id, 'first')]);
      appended();
      await held;
    });
    await firstAppended;
    // The second writer waits for the first's commit (its feed row is locked), so it cannot commit number 2 first.
    const second = transactions
      .run(() => changes.append([entry(user.id, 'second')]))
      .then(() => order.push('second committed'));
    if (readTestEnvironment().databaseUrl) {
      // On a server (four connections) a reader meanwhile sees neither; on the embedded one it would wait its turn.
      expect(await changes.changesAfter(user.id, 0, 10)).toEqual([]);
    }
    order.push('first released');
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first released', 'second committed']);
    expect((await changes.changesAfter(user.id, 0, 10)).map((c) => [c.seq, c.name])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
  });

  it('runs beforeCommit inside the transaction and afterCommit after it, and neither when it rolls back', async () => {
    const user = await db.make.user();
    const order: string[] = [];
    await transactions.run(async () => {
      transactions.afterCommit(async () => {
        order.push(`after: ${(await changes.changesAfter(user.id, 0, 10)).length} visible`);
      });
      transactions.beforeCommit(async () => {
        await changes.append([entry(user.id, 'x')]);
        order.push(`before: in a transaction ${transactions.active}`);
      });
      order.push('work');
    });
    expect(order).toEqual(['work', 'before: in a transaction true', 'after: 1 visible']);

    const rolledBack: string[] = [];
    await expect(
      transactions.run(async () => {
        transactions.beforeCommit(async () => void rolledBack.push('before'));
        transactions.afterCommit(async () => void rolledBack.push('after'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(rolledBack).toEqual([]);
    expect(() => transactions.beforeCommit(async () => undefined)).toThrow(/Transactions.run/);
  });

  it('hears an item’s owner and every recipient of a share on it or above it, with the folder they may see', async () => {
    const [owner, above, onItem, stranger] = [
      await db.make.user(),
      await db.make.user(),
      await db.make.user(),
      await db.make.user(),
    ];
    const top = await db.make.folder(owner.id);
    const middle = await db.make.folder(owner.id, top.id);
    const item = await db.make.folder(owner.id, middle.id);
    const shares = db.module.get(SharesRepository);
    await shares.create(top.id, above.id, 'view');
    await shares.create(item.id, onItem.id, 'edit');
    const heard = await changes.listenersOf([item.id]);
    expect(heard.map((listener) => [listener.userId, listener.parentFolderId]).sort()).toEqual(
      [
        [owner.id, middle.id],
        [above.id, middle.id],
        [onItem.id, null],
      ].sort(),
    );
    expect(heard.map((listener) => listener.userId)).not.toContain(stranger.id);
  });

  it('finds the recipients of shares below items, not on them nor above them', async () => {
    const [owner, onTop, onMiddle, onDeep, elsewhere] = await Promise.all([1, 2, 3, 4, 5].map(() => db.make.user()));
    const top = await db.make.folder(owner.id);
    const middle = await db.make.folder(owner.id, top.id);
    const deep = await db.make.folder(owner.id, middle.id);
    const other = await db.make.folder(owner.id);
    const shares = db.module.get(SharesRepository);
    await shares.create(top.id, onTop.id, 'view');
    await shares.create(middle.id, onMiddle.id, 'view');
    await shares.create(deep.id, onDeep.id, 'edit');
    await shares.create(other.id, elsewhere.id, 'view');
    const byUser = (pairs: { itemId: string; userId: string }[]) =>
      Object.fromEntries(pairs.map((pair) => [pair.userId, pair.itemId]));
    expect(byUser(await changes.sharedBelow([top.id]))).toEqual({ [onMiddle.id]: middle.id, [onDeep.id]: deep.id });
    expect(await changes.sharedBelow([middle.id])).toEqual([{ itemId: deep.id, userId: onDeep.id }]);
    expect(await changes.sharedBelow([deep.id, other.id])).toEqual([]);
    expect(await changes.sharedBelow([])).toEqual([]);
  });

  it('forgets changes older than the retention and marks the feed, so an older cursor is known to be expired', async () => {
    const user = await db.make.user();
    await transactions.run(() => changes.append([entry(user.id, 'a'), entry(user.id, 'b')]));
    expect(await changes.purgeBefore(new Date(Date.now() - 3600_000), 1000)).toBe(0);
    expect(await changes.purgeBefore(new Date(Date.now() + 3600_000), 1000)).toBeGreaterThanOrEqual(2);
    expect(await changes.feedState(user.id)).toEqual({ lastSeq: 2, purgedSeq: 2 });
    expect(await changes.changesAfter(user.id, 0, 10)).toEqual([]);
  });
});
