import { EntityManager } from 'typeorm';

export type Row = Record<string, unknown>;

/** The rows of a statement: TypeORM answers an UPDATE or DELETE as `[rows, count]`, the rest as rows. */
export async function rowsOf(manager: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const result = await manager.query(sql, params);
  return Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}
