import { StoredChange } from '@app/db';
import { FeedSignal } from './change-signals';
import { FeedBackend, UserFeed } from './user-feed';

/** A backend whose reads stay pending until the test settles them, and whose signals the test sends. */
function fakeBackend() {
  const reads: { afterSeq: number; settle(rows: StoredChange[]): void }[] = [];
  const listeners = new Set<FeedSignal>();
  const backend: FeedBackend = {
    changesAfter: (afterSeq) => new Promise((resolve) => reads.push({ afterSeq, settle: resolve })),
    subscribe: (signal) => {
      listeners.add(signal);
      return () => listeners.delete(signal);
    },
  };
  const signal = (lastSeq: number | undefined) => {
    for (const listener of [...listeners]) listener(lastSeq);
  };
  return { backend, reads, listeners, signal };
}

const change = (seq: number) => ({ seq }) as StoredChange;

describe('UserFeed', () => {
  it('shares one read among the streams that ask from the same cursor meanwhile', async () => {
    const { backend, reads } = fakeBackend();
    const feed = new UserFeed(backend, () => undefined);
    const asked = [feed.changesAfter(5, 200), feed.changesAfter(5, 200), feed.changesAfter(7, 200)];
    expect(reads.map((read) => read.afterSeq)).toEqual([5, 7]);
    reads[0].settle([change(6), change(7)]);
    reads[1].settle([]);
    const [first, second, third] = await Promise.all(asked);
    expect(first).toBe(second);
    expect(third).toEqual([]);
    // Settled, it is not kept: the next ask reads again.
    void feed.changesAfter(5, 200);
    expect(reads).toHaveLength(3);
  });

  it('never shares a read issued before a signal with a stream that asks after it (it may miss the change)', () => {
    const { backend, reads, signal } = fakeBackend();
    const feed = new UserFeed(backend, () => undefined);
    const heard: (number | undefined)[] = [];
    feed.subscribe((seq) => heard.push(seq));
    void feed.changesAfter(5, 200);
    signal(6);
    void feed.changesAfter(5, 200);
    expect(reads).toHaveLength(2);
    expect(heard).toEqual([6]);
    signal(undefined);
    expect(heard).toEqual([6, undefined]);
  });

  it('holds one subscription for all its streams, dropped with the last of them', () => {
    const { backend, listeners, signal } = fakeBackend();
    let idle = 0;
    const feed = new UserFeed(backend, () => idle++);
    const heard: string[] = [];
    const leaveA = feed.subscribe(() => heard.push('a'));
    const leaveB = feed.subscribe(() => heard.push('b'));
    expect(listeners.size).toBe(1);
    signal(1);
    expect(heard).toEqual(['a', 'b']);
    leaveA();
    expect(listeners.size).toBe(1);
    expect(idle).toBe(0);
    leaveB();
    expect(listeners.size).toBe(0);
    expect(idle).toBe(1);
  });
});
