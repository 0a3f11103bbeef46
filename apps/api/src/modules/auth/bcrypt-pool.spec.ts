import bcrypt from 'bcryptjs';
import type { Worker } from 'node:worker_threads';
import { BcryptPool } from './bcrypt-pool';

/** What bcryptjs itself throws for these arguments, on this thread. */
function thrownBy(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('it did not throw');
}

describe('BcryptPool', () => {
  const pools: BcryptPool[] = [];
  const pool = (size: number): BcryptPool => {
    const made = new BcryptPool(size);
    pools.push(made);
    return made;
  };
  afterAll(() => Promise.all(pools.map((made) => made.close())));

  it('hashes and compares exactly as bcryptjs does', async () => {
    const threads = pool(1);
    const made = await threads.hash('correct horse', 4);
    expect(made).toMatch(/^\$2b\$04\$.{53}$/);
    expect(bcrypt.compareSync('correct horse', made)).toBe(true);

    const reference = bcrypt.hashSync('battery staple', 5);
    await expect(threads.compare('battery staple', reference)).resolves.toBe(true);
    await expect(threads.compare('battery stapler', reference)).resolves.toBe(false);
    await expect(threads.compare('battery staple', 'not a bcrypt hash')).resolves.toBe(
      bcrypt.compareSync('battery staple', 'not a bcrypt hash'),
    );
    // Past 72 bytes bcrypt reads nothing: the same prefix matches on the thread as it does here.
    const long = 'x'.repeat(72);
    await expect(threads.compare(`${long}tail`, bcrypt.hashSync(long, 4))).resolves.toBe(true);
  });

  it("passes bcryptjs's errors on with their message, and goes on working", async () => {
    const threads = pool(1);
    const badSalt = '$2b$99$abcdefghijklmnopqrstuv';
    await expect(threads.hash('password', badSalt as unknown as number)).rejects.toThrow(
      thrownBy(() => bcrypt.hashSync('password', badSalt)),
    );
    await expect(threads.compare('password', 42 as unknown as string)).rejects.toThrow(
      thrownBy(() => bcrypt.compareSync('password', 42 as unknown as string)),
    );
    await expect(threads.compare('password', bcrypt.hashSync('password', 4))).resolves.toBe(true);
    expect(threads.threadCount).toBe(1);
  });

  it('runs at most `size` tasks at once and queues the rest, in order', async () => {
    const threads = pool(2);
    const passwords = Array.from({ length: 7 }, (_, i) => `password-${i}`);
    const settled: number[] = [];
    let mostThreads = 0;
    const tasks = passwords.map((password, i) =>
      threads.hash(password, 5).then((made) => {
        mostThreads = Math.max(mostThreads, threads.threadCount);
        settled.push(i);
        return made;
      }),
    );
    expect(threads.threadCount).toBe(2);
    expect(threads.queued).toBe(5);

    const hashes = await Promise.all(tasks);
    hashes.forEach((made, i) => expect(bcrypt.compareSync(passwords[i], made)).toBe(true));
    expect(mostThreads).toBe(2);
    expect(threads.queued).toBe(0);
    // Queued tasks start in order: the last two to start are among the last to finish.
    expect(settled.slice(0, 5)).not.toContain(6);
  });

  it('refuses the task of a thread that died and serves the next on a new thread', async () => {
    const threads = pool(1);
    await threads.hash('warm-up', 4);
    const [thread] = (threads as unknown as { threads: Set<Worker> }).threads;
    const lost = threads.hash('lost', 12);
    await thread.terminate();
    await expect(lost).rejects.toThrow(/bcrypt thread exited/);
    await expect(threads.compare('after', bcrypt.hashSync('after', 4))).resolves.toBe(true);
    expect(threads.threadCount).toBe(1);
  });

  it('on close, ends every thread and refuses running, queued and later tasks', async () => {
    const threads = pool(2);
    const pending = Promise.allSettled(Array.from({ length: 4 }, (_, i) => threads.hash(`p${i}`, 12)));
    expect(threads.threadCount).toBe(2);
    await threads.close();
    const outcomes = await pending;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason.message).toMatch(/closed/);
    expect(threads.threadCount).toBe(0);
    await expect(threads.hash('later', 4)).rejects.toThrow(/closed/);
  });

  it('needs at least one thread', () => {
    expect(() => new BcryptPool(0)).toThrow(/at least one thread/);
  });
});
