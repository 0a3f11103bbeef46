import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A preview per content (issues 13 and 14): the file names its preview's key, and a version keeps its bytes' preview
 * and media facts, which a restore puts back. Previews stored until now were all at `previews/{owner_id}/{file_id}`
 * (a Replace wrote over it, a restore deleted it): the files that have one (or are having one made) are pointed at
 * it, and the versions kept so far have none.
 */
export class KeepPreviewsPerContent1796102612661 implements MigrationInterface {
  name = 'KeepPreviewsPerContent1796102612661';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" ADD "preview_key" character varying(200)`);
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD "preview_status" character varying(11) NOT NULL DEFAULT 'none'`,
    );
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "preview_key" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "preview_width" smallint`);
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "preview_height" smallint`);
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "duration_ms" integer`);
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "media_width" integer`);
    await queryRunner.query(`ALTER TABLE "file_versions" ADD "media_height" integer`);
    await queryRunner.query(
      `CREATE INDEX "file_versions_pending_preview_idx" ON "file_versions" ("replaced_at") WHERE "preview_status" = 'pending'`,
    );
    await queryRunner.query(
      `UPDATE "items" SET "preview_key" = 'previews/' || "owner_id" || '/' || "id" WHERE "preview_status" IN ('pending', 'ready')`,
    );
    await queryRunner.query(
      `ALTER TABLE "items" ADD CONSTRAINT "items_preview_key_check" CHECK (("preview_key" IS NOT NULL) = ("preview_status" IN ('pending', 'ready')))`,
    );
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_preview_key_check" CHECK (("preview_key" IS NOT NULL) = ("preview_status" IN ('pending', 'ready')))`,
    );
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_preview_status_check" CHECK ("preview_status" IN ('none', 'pending', 'ready', 'failed', 'unsupported'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "file_versions_pending_preview_idx"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP CONSTRAINT "file_versions_preview_status_check"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP CONSTRAINT "file_versions_preview_key_check"`);
    await queryRunner.query(`ALTER TABLE "items" DROP CONSTRAINT "items_preview_key_check"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "media_height"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "media_width"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "duration_ms"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "preview_height"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "preview_width"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "preview_key"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP COLUMN "preview_status"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "preview_key"`);
  }
}
