import { MigrationInterface, QueryRunner } from 'typeorm';

/** The files of a folder whose first upload is awaited or failed: listed apart, for who may edit the folder. */
export class AddUnconfirmedFilesIndex1796080000000 implements MigrationInterface {
  name = 'AddUnconfirmedFilesIndex1796080000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "items_unconfirmed_idx" ON "items" ("owner_id", "parent_folder_id", "created_at") WHERE "object_key" IS NULL AND "kind" = 'file' AND "deleted_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "items_unconfirmed_idx"`);
  }
}
