import { mapLimit, Pool } from './pool';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Pool and mapLimit', () => {
  it('never run more than the limit at once, and run everything', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const pool = new Pool(3);
    for (let i = 0; i < 10; i++) {
      pool.add(async () => {
        most = Math.max(most, ++running);
        await tick();
        running--;
        done.push(i);
        if (i === 4) throw new Error('a task that fails does not stop the others');
      });
    }
    await pool.idle();
    expect([most, done.length]).toEqual([3, 10]);
    await new Pool(2).idle();

    const doubled = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      await tick();
      return n * 2;
    });
    expect(doubled).toEqual([2, 4, 6, 8, 10]);
  });
});
