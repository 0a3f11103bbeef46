import { MigrationInterface, QueryRunner } from 'typeorm';

/** The previews still awaited, by age: the reconciler gives up on those no worker finished. */
export class AddPendingPreviewIndex1795843000000 implements MigrationInterface {
  name = 'AddPendingPreviewIndex1795843000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "items_pending_preview_idx" ON "items" ("updated_at") WHERE "preview_status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "items_pending_preview_idx"`);
  }
}
