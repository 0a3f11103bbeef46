import { StoredChange } from '@app/db';
import { BatchedReads, ReadAsk } from './batched-reads';

const change = (userId: string, seq: number) => ({ userId, seq }) as StoredChange;

describe('BatchedReads', () => {
  it('sends the reads asked for in one turn as one statement, and each its own answer', async () => {
    const statements: ReadAsk[][] = [];
    const reads = new BatchedReads(async (asks) => {
      statements.push(asks);
      return asks.map((ask) => [change(ask.userId, ask.afterSeq + 1)]);
    });
    const together = await Promise.all([reads.read('a', 1, 200), reads.read('b', 7, 200), reads.read('a', 3, 10)]);
    expect(statements).toEqual([
      [
        { userId: 'a', afterSeq: 1, limit: 200 },
        { userId: 'b', afterSeq: 7, limit: 200 },
        { userId: 'a', afterSeq: 3, limit: 10 },
      ],
    ]);
    expect(together).toEqual([[change('a', 2)], [change('b', 8)], [change('a', 4)]]);
    // Asked for later: a statement of its own, sent after it was asked for.
    await reads.read('c', 0, 200);
    expect(statements).toHaveLength(2);
  });

  it('sends at most 500 reads a statement, and a failed statement fails only its own reads', async () => {
    let calls = 0;
    const reads = new BatchedReads(async (asks) => {
      if (calls++ === 0) throw new Error('connection lost');
      return asks.map(() => []);
    });
    const asked = Array.from({ length: 501 }, (_, i) => reads.read(`u${i}`, 0, 200));
    const settled = await Promise.allSettled(asked);
    expect(calls).toBe(2);
    expect(settled.filter((each) => each.status === 'rejected')).toHaveLength(500);
    expect(settled[500]).toEqual({ status: 'fulfilled', value: [] });
  });
});
