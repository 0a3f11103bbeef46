import { setTimeout as sleep } from 'node:timers/promises';
import { openTestRepositories, TestRepositories } from '@app/testing';
import { ItemsRepository } from './repositories/items.repository';
import { QuotaRepository } from './repositories/quota.repository';
import { UploadsRepository } from './repositories/uploads.repository';
import { UsersRepository } from './repositories/users.repository';
import { Transactions } from './transactions';

/**
 * The transaction host on one connection, as the embedded database has it: a query that went to the pool while a
 * transaction holds the connection would wait for ever, so each case here finishing is the check.
 */
describe('Transactions (real PostgreSQL, one connection)', () => {
  let db: TestRepositories;
  let transactions: Transactions;
  beforeAll(async () => {
    db = await openTestRepositories({ poolSize: 1 });
    transactions = db.module.get(Transactions);
  });
  afterAll(() => db.close());

  const reservedOf = async (userId: string) => (await db.module.get(UsersRepository).findById(userId))!.reservedBytes;

  it('runs every repository inside on the transaction’s connection, and commits', async () => {
    const user = await db.make.user(1000);
    const seen = await transactions.run(async () => {
      expect(transactions.active).toBe(true);
      await db.module.get(QuotaRepository).reserve(user.id, 100);
      const file = await db.make.pendingFile(user.id, null, { sizeBytes: 100 });
      // Reads inside see the transaction's own writes (they share its connection).
      return { file: await db.module.get(ItemsRepository).findAny(file.id), reserved: await reservedOf(user.id) };
    });
    expect(transactions.active).toBe(false);
    expect(seen.reserved).toBe(100);
    expect(await db.module.get(ItemsRepository).findAny(seen.file!.id)).toMatchObject({ uploadStatus: 'pending' });
  });

  it('rolls back every repository’s writes when the work throws', async () => {
    const user = await db.make.user(1000);
    let fileId = '';
    await expect(
      transactions.run(async () => {
        await db.module.get(QuotaRepository).reserve(user.id, 300);
        fileId = (await db.make.pendingFile(user.id)).id;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await reservedOf(user.id)).toBe(0);
    expect(await db.module.get(ItemsRepository).findAny(fileId)).toBeNull();
  });

  it('joins the open transaction when one is opened inside it: an outer failure undoes the inner work', async () => {
    const user = await db.make.user(1000);
    await expect(
      transactions.run(async () => {
        await transactions.run(() => db.module.get(QuotaRepository).reserve(user.id, 200));
        expect(await reservedOf(user.id)).toBe(200);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await reservedOf(user.id)).toBe(0);
  });

  it('queues concurrent transactions for the one connection rather than deadlocking them', async () => {
    const user = await db.make.user(1000);
    const quota = db.module.get(QuotaRepository);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        transactions.run(async () => {
          const granted = await quota.reserve(user.id, 100);
          await sleep(5);
          return { granted, reserved: await reservedOf(user.id) };
        }),
      ),
    );
    expect(results.every((result) => result.granted)).toBe(true);
    // One after another: each saw the reservations committed before it, and its own.
    expect(results.map((result) => result.reserved).sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500]);
    expect(await reservedOf(user.id)).toBe(500);
  });

  it('works from a timer, with no request around it (the reconciler), and keeps no context after', async () => {
    const user = await db.make.user(1000);
    const pending = await db.make.pendingFile(user.id, null, { sizeBytes: 40 });
    await db.module.get(QuotaRepository).reserve(user.id, 40);
    const released = await new Promise((resolve, reject) =>
      setTimeout(() => {
        transactions
          .run(async () => {
            const forgotten = await db.module.get(UploadsRepository).forgetUpload(pending.id, pending.uploadKey!);
            await db.module.get(QuotaRepository).release(forgotten!.ownerId, forgotten!.reserved);
            return forgotten;
          })
          .then(resolve, reject);
      }, 0),
    );
    expect(released).toEqual({ ownerId: user.id, reserved: 40 });
    expect(transactions.active).toBe(false);
    expect(await reservedOf(user.id)).toBe(0);
  });
});
