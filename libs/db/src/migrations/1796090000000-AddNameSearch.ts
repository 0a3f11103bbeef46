import { MigrationInterface, QueryRunner } from 'typeorm';

const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Search by name: `item_search_key(name)` folds case and accents (`Été` → `ete`), and a GIN index among listed items
 * over the owner (btree_gin) and the trigrams of that key (pg_trgm) answers substring matches (`LIKE '%…%'`) in one
 * user's tree: a search reads the trees of the caller and of those who share with them, one index scan each, and
 * never the names of anybody else.
 *
 * The extensions go into `public` unless they are already installed elsewhere: an extension belongs to one schema of
 * the database, and the test suites give each file a schema of its own that is dropped afterwards, which must not
 * take the extensions with it. Their schema is looked up and named in the function and the index, so neither
 * depends on the search_path of whoever runs a query. The three are trusted extensions: the database's owner may
 * create them without being a superuser.
 */
export class AddNameSearch1796090000000 implements MigrationInterface {
  name = 'AddNameSearch1796090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public`);
    const schemaOf = async (extension: string): Promise<string> => {
      const rows: { schema: string }[] = await queryRunner.query(
        `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`,
        [extension],
      );
      return identifier(rows[0].schema);
    };
    const unaccent = await schemaOf('unaccent');
    const trgm = await schemaOf('pg_trgm');
    const btree = await schemaOf('btree_gin');
    // unaccent() is only STABLE (its dictionary could change); naming the dictionary makes the result depend on the
    // text alone, which an index expression needs. A SQL-standard body binds its references when it is created.
    await queryRunner.query(
      `CREATE FUNCTION item_search_key(name text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       BEGIN ATOMIC SELECT lower(${unaccent}.unaccent('${unaccent.replace(/'/g, "''")}.unaccent'::regdictionary, name)); END`,
    );
    await queryRunner.query(
      `CREATE INDEX "items_search_idx" ON "items" USING gin ("owner_id" ${btree}.uuid_ops, item_search_key("name") ${trgm}.gin_trgm_ops) WHERE "deleted_at" IS NULL AND "upload_status" IS DISTINCT FROM 'pending' AND "upload_status" IS DISTINCT FROM 'rejected'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "items_search_idx"`);
    await queryRunner.query(`DROP FUNCTION item_search_key(text)`);
    // The extensions stay: other schemas of the database may use them.
  }
}
