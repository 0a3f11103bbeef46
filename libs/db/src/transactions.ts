import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EntityManager } from 'typeorm';
import { Row } from './repositories/item-rows';

/**
 * Opens transactions, kept by the transaction host in the async context (AsyncLocalStorage, via nestjs-cls). Everything a repository runs while `work` runs, however deep in the call chain (another
 * service's, the access check's), goes through that transaction's connection; outside one it goes to the pool.
 * Nobody passes a manager by hand, so nobody can forget it: on the embedded database's single connection, a query
 * sent outside an open transaction would wait for that connection for ever. A transaction opened inside another
 * joins it. Works with or without a request around it (the reconciler's timer, start-up).
 */
/** What one outermost `Transactions.run` carries: work to do just before its commit, and just after it. */
interface Scope {
  beforeCommit: (() => Promise<void>)[];
  afterCommit: (() => Promise<void>)[];
  slots: Map<object, unknown>;
}

@Injectable()
export class Transactions {
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private readonly logger = new Logger('Transactions');

  constructor(private readonly host: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.scopes.getStore()) return this.host.withTransaction(work);
    const scope: Scope = { beforeCommit: [], afterCommit: [], slots: new Map() };
    const result = await this.scopes.run(scope, () =>
      this.host.withTransaction(async () => {
        const value = await work();
        // A hook may add another (the change log's flush adds its publication): run until none is left.
        for (let i = 0; i < scope.beforeCommit.length; i++) await scope.beforeCommit[i]();
        return value;
      }),
    );
    for (const after of scope.afterCommit) {
      // Committed is committed: a hook's failure (a lost signal) is logged, never turned into the caller's error.
      await after().catch((error: unknown) => this.logger.error(error, 'after-commit hook failed'));
    }
    return result;
  }

  /** Whether a transaction is open here (for tests and assertions). */
  get active(): boolean {
    return this.host.isTransactionActive();
  }

  /**
   * Runs `hook` at the end of the open `run`, inside its transaction, after everything else it did: the last
   * statements before the commit (the change log's). Outside a `run` it throws: such a write would have no
   * transaction to share.
   */
  beforeCommit(hook: () => Promise<void>): void {
    this.scope().beforeCommit.push(hook);
  }

  /** Runs `hook` once the open `run` has committed (not if it rolls back), before `run` returns. */
  afterCommit(hook: () => Promise<void>): void {
    this.scope().afterCommit.push(hook);
  }

  /** A value kept for the open `run` under `key`, made by `init` the first time it is asked for. */
  slot<T>(key: object, init: () => T): T {
    const slots = this.scope().slots;
    if (!slots.has(key)) slots.set(key, init());
    return slots.get(key) as T;
  }

  private scope(): Scope {
    const scope = this.scopes.getStore();
    if (!scope) throw new Error('No transaction is open here: call this inside Transactions.run');
    return scope;
  }
}

/**
 * What every repository extends: its SQL runs on the transaction open in the caller's context, else on the pool.
 * A repository never holds the DataSource (the lint forbids it), so it cannot run a query beside the transaction.
 */
@Injectable()
export abstract class SqlRepository {
  constructor(private readonly host: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The transaction's manager when one is open in this async context, else the pool's. */
  protected get db(): EntityManager {
    return this.host.tx;
  }

  /** Runs `work` in a transaction (joining the caller's, if one is open): for a repository's own multi-statement writes. */
  protected transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.host.withTransaction(work);
  }

  /** The rows of a statement (an UPDATE's or DELETE's RETURNING included). */
  protected rows(sql: string, params: unknown[]): Promise<Row[]> {
    return rowsOf(this.db, sql, params);
  }

  /** How many rows an UPDATE or DELETE changed. */
  protected async affected(sql: string, params: unknown[]): Promise<number> {
    const [, count] = (await this.db.query(sql, params)) as [unknown, number];
    return count;
  }
}

/** The rows of a statement: TypeORM answers an UPDATE or DELETE as `[rows, count]`, the rest as rows. */
async function rowsOf(manager: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const result = await manager.query(sql, params);
  return Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}
