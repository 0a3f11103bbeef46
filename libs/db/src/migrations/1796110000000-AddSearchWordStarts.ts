import { MigrationInterface, QueryRunner } from 'typeorm';

const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

// The word separators of names as search reads them at this migration (a migration keeps its own copy).
const SEPARATORS = ` _-.,;:()[]{}+&'"`;

/**
 * Search for one or two characters: no trigram can answer `LIKE '%an%'`, so such a search read every name of the
 * caller's tree and of those who share with them (seconds on 10,000 items each). A short text matches where a word
 * of the name starts instead: `item_word_starts(name)` is the set of the one and two characters of the folded name
 * at its start, at each separator and right after one (`Réunion 12.pdf` → {r, re, " ", " 1", 1, 12, ., .p, p, pd}),
 * and a GIN index among listed items over the owner and that set finds them in one lookup per owner.
 */
export class AddSearchWordStarts1796110000000 implements MigrationInterface {
  name = 'AddSearchWordStarts1796110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows: { schema: string }[] = await queryRunner.query(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'btree_gin'`,
    );
    const btree = identifier(rows[0].schema);
    const separators = SEPARATORS.replace(/'/g, "''");
    // Where a word starts: the name's start, each separator, and right after one; each character taken with the one
    // after it (a window over the characters: a third of the time of one substring per position). Its cost, ten
    // times the default, lets the planner test a row with cheaper conditions first.
    await queryRunner.query(
      `CREATE FUNCTION item_word_starts(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
       BEGIN ATOMIC
         SELECT coalesce(array_agg(DISTINCT s.start), '{}')
           FROM (
             SELECT t.c, lag(t.c) OVER w AS before, lead(t.c) OVER w AS after
               FROM string_to_table(item_search_key(name), NULL) WITH ORDINALITY t(c, at)
             WINDOW w AS (ORDER BY t.at)
           ) x
           CROSS JOIN LATERAL (VALUES (x.c), (x.c || coalesce(x.after, ''))) s(start)
          WHERE x.before IS NULL OR strpos('${separators}', x.before) > 0 OR strpos('${separators}', x.c) > 0;
       END`,
    );
    await queryRunner.query(
      `CREATE INDEX "items_word_starts_idx" ON "items" USING gin ("owner_id" ${btree}.uuid_ops, item_word_starts("name") array_ops) WHERE "deleted_at" IS NULL AND "upload_status" IS DISTINCT FROM 'pending' AND "upload_status" IS DISTINCT FROM 'rejected'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "items_word_starts_idx"`);
    await queryRunner.query(`DROP FUNCTION item_word_starts(text)`);
  }
}
