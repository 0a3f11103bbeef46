import { Injectable } from '@nestjs/common';
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
@Injectable()
export class Transactions {
  constructor(private readonly host: TransactionHost<TransactionalAdapterTypeOrm>) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.host.withTransaction(work);
  }

  /** Whether a transaction is open here (for tests and assertions). */
  get active(): boolean {
    return this.host.isTransactionActive();
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
