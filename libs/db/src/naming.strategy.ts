import { DefaultNamingStrategy, NamingStrategyInterface, Table } from 'typeorm';

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const tableNameOf = (table: Table | string): string =>
  (typeof table === 'string' ? table : table.name).split('.').pop()!;

/**
 * Columns are snake_case in the database, like the API's fields, while properties stay camelCase in
 * TypeScript; primary keys get PostgreSQL's own `<table>_pkey` names instead of hashes.
 */
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return snake([...prefixes, customName ?? propertyName].join('_'));
  }

  override primaryKeyName(table: Table | string): string {
    return `${tableNameOf(table)}_pkey`;
  }
}
