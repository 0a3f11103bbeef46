/** Runs tasks with at most `limit` at once; `idle()` waits for all that were given so far. */
export class Pool {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  private readonly idlers: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Queues a task; its failure is its own business (tasks report, never throw). */
  add(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.pump();
  }

  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
    if (this.running === 0 && this.waiting.length === 0) this.idlers.splice(0).forEach((resolve) => resolve());
  }
}

/** Maps with at most `limit` calls at once, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
