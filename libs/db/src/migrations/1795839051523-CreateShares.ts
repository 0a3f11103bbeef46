import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateShares1795839051523 implements MigrationInterface {
  name = 'CreateShares1795839051523';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "shares" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "item_id" uuid NOT NULL, "recipient_id" uuid NOT NULL, "permission" character varying(4) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "shares_item_id_recipient_id_key" UNIQUE ("item_id", "recipient_id"), CONSTRAINT "shares_permission_check" CHECK ("permission" IN ('view', 'edit')), CONSTRAINT "shares_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "shares_recipient_id_created_at_idx" ON "shares"  ("recipient_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "shares" ADD CONSTRAINT "shares_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "shares" ADD CONSTRAINT "shares_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "shares" DROP CONSTRAINT "shares_recipient_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "shares" DROP CONSTRAINT "shares_item_id_fkey"`);
    await queryRunner.query(`DROP INDEX "shares_recipient_id_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "shares"`);
  }
}
