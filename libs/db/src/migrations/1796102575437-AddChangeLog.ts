import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change log (issue 14): per user, the changes they should hear about, numbered in commit order, and the
 * single-use tickets that open an event stream.
 */
export class AddChangeLog1796102575437 implements MigrationInterface {
  name = 'AddChangeLog1796102575437';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "change_feeds" ("user_id" uuid NOT NULL, "last_seq" bigint NOT NULL DEFAULT '0', "purged_seq" bigint NOT NULL DEFAULT '0', CONSTRAINT "change_feeds_pkey" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "changes" ("user_id" uuid NOT NULL, "seq" bigint NOT NULL, "kind" character varying(32) NOT NULL, "item_id" uuid, "item_kind" character varying(6), "name" character varying(255), "parent_folder_id" uuid, "data" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "changes_item_kind_check" CHECK ("item_kind" IN ('file', 'folder')), CONSTRAINT "changes_pkey" PRIMARY KEY ("user_id", "seq"))`,
    );
    await queryRunner.query(`CREATE INDEX "changes_created_at_idx" ON "changes"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "event_tickets" ("digest" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "token_version" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "event_tickets_pkey" PRIMARY KEY ("digest"))`,
    );
    await queryRunner.query(`CREATE INDEX "event_tickets_expires_at_idx" ON "event_tickets"  ("expires_at") `);
    await queryRunner.query(
      `ALTER TABLE "change_feeds" ADD CONSTRAINT "change_feeds_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "changes" ADD CONSTRAINT "changes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_tickets" ADD CONSTRAINT "event_tickets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "event_tickets" DROP CONSTRAINT "event_tickets_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "changes" DROP CONSTRAINT "changes_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "change_feeds" DROP CONSTRAINT "change_feeds_user_id_fkey"`);
    await queryRunner.query(`DROP INDEX "event_tickets_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "event_tickets"`);
    await queryRunner.query(`DROP INDEX "changes_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "changes"`);
    await queryRunner.query(`DROP TABLE "change_feeds"`);
  }
}
