import { openTestRepositories, TestRepositories } from '@app/testing';
import { Transactions } from '../transactions';
import { QuotaRepository } from './quota.repository';
import { UsersRepository } from './users.repository';

describe('QuotaRepository (real PostgreSQL)', () => {
  let db: TestRepositories;
  let quota: QuotaRepository;
  beforeAll(async () => {
    db = await openTestRepositories();
    quota = db.module.get(QuotaRepository);
  });
  afterAll(() => db.close());

  const figures = async (userId: string) => {
    const user = await db.module.get(UsersRepository).findById(userId);
    return { used: user!.usedBytes, reserved: user!.reservedBytes };
  };

  it('reserves while the bytes fit beside what is used and reserved, to the last byte', async () => {
    const user = await db.make.user(1000);
    expect(await quota.reserve(user.id, 600)).toBe(true);
    expect(await quota.reserve(user.id, 401)).toBe(false);
    expect(await quota.reserve(user.id, 400)).toBe(true);
    expect(await quota.reserve(user.id, 1)).toBe(false);
    expect(await figures(user.id)).toEqual({ used: 0, reserved: 1000 });
  });

  it('walks an upload through reserve, commit and free, and a refused one through release', async () => {
    const user = await db.make.user(1000);
    await quota.reserve(user.id, 300);
    await quota.commit(user.id, 300);
    expect(await figures(user.id)).toEqual({ used: 300, reserved: 0 });
    await quota.reserve(user.id, 200);
    expect(await figures(user.id)).toEqual({ used: 300, reserved: 200 });
    await quota.release(user.id, 200);
    expect(await figures(user.id)).toEqual({ used: 300, reserved: 0 });
    // A replacement: the new bytes are committed, the old ones freed.
    await quota.reserve(user.id, 500);
    await quota.commit(user.id, 500);
    await quota.free(user.id, 300);
    expect(await figures(user.id)).toEqual({ used: 500, reserved: 0 });
    // What is freed can be reserved again.
    expect(await quota.reserve(user.id, 500)).toBe(true);
  });

  it('counts used bytes against a reservation (a full drive takes no upload)', async () => {
    const user = await db.make.user(1000);
    await quota.reserve(user.id, 1000);
    await quota.commit(user.id, 1000);
    expect(await quota.reserve(user.id, 1)).toBe(false);
    expect(await quota.reserve(user.id, 0)).toBe(true);
  });

  it('refuses a negative or fractional count, and changes nothing', async () => {
    const user = await db.make.user(1000);
    await quota.reserve(user.id, 100);
    await expect(quota.release(user.id, -100)).rejects.toThrow(RangeError);
    await expect(quota.commit(user.id, 1.5)).rejects.toThrow(RangeError);
    await expect(quota.free(user.id, -1)).rejects.toThrow(RangeError);
    await expect(quota.reserve(user.id, -5)).rejects.toThrow(RangeError);
    expect(await figures(user.id)).toEqual({ used: 0, reserved: 100 });
  });

  it('never overshoots under concurrent reservations', async () => {
    const user = await db.make.user(1000);
    const granted = await Promise.all(Array.from({ length: 10 }, () => quota.reserve(user.id, 150)));
    expect(granted.filter(Boolean)).toHaveLength(6);
    expect(await figures(user.id)).toEqual({ used: 0, reserved: 900 });
  });

  it('tells what is left, locked until the transaction ends', async () => {
    const user = await db.make.user(1000);
    await quota.reserve(user.id, 250);
    await quota.reserve(user.id, 50);
    await quota.commit(user.id, 50);
    const available = await db.module.get(Transactions).run(() => quota.lockAvailable(user.id));
    expect(available).toBe(700);
    expect(await quota.lockAvailable('00000000-0000-4000-8000-000000000000')).toBe(0);
  });
});
