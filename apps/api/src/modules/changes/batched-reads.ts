import { StoredChange } from '@app/db';

export interface ReadAsk {
  userId: string;
  afterSeq: number;
  limit: number;
}

/** At most this many reads in one statement (a signal for thousands of users goes as a few). */
const ASKS_PER_STATEMENT = 500;

/**
 * Reads of the change log asked for in the same turn of the event loop go to the database together, as one
 * statement: a change in a folder shared with a hundred users signals a hundred feeds at once, and costs one round
 * trip instead of a hundred (on the embedded database's one connection, a hundred in a row). A read goes out after
 * it was asked for, never before, so it sees at least what the signal that caused it announced.
 */
export class BatchedReads {
  private waiting: (ReadAsk & { resolve(rows: StoredChange[]): void; reject(error: unknown): void })[] = [];

  constructor(private readonly readEach: (asks: ReadAsk[]) => Promise<StoredChange[][]>) {}

  read(userId: string, afterSeq: number, limit: number): Promise<StoredChange[]> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) process.nextTick(() => this.flush());
      this.waiting.push({ userId, afterSeq, limit, resolve, reject });
    });
  }

  private flush(): void {
    const asks = this.waiting;
    this.waiting = [];
    for (let i = 0; i < asks.length; i += ASKS_PER_STATEMENT) {
      const chunk = asks.slice(i, i + ASKS_PER_STATEMENT);
      this.readEach(chunk.map(({ userId, afterSeq, limit }) => ({ userId, afterSeq, limit }))).then(
        (answers) => chunk.forEach((ask, j) => ask.resolve(answers[j])),
        (error: unknown) => chunk.forEach((ask) => ask.reject(error)),
      );
    }
  }
}
