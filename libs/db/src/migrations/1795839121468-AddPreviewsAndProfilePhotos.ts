import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddPreviewsAndProfilePhotos1795839121468 implements MigrationInterface {
  name = 'AddPreviewsAndProfilePhotos1795839121468';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "profile_photos" ("user_id" uuid NOT NULL, "extension" character varying(4), "upload_status" character varying(10), "upload_expires_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "profile_photos_upload_check" CHECK ("upload_status" IN ('processing', 'rejected') AND ("upload_status" = 'processing') = ("upload_expires_at" IS NOT NULL)), CONSTRAINT "profile_photos_extension_check" CHECK ("extension" IN ('jpg', 'webp')), CONSTRAINT "profile_photos_pkey" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(`ALTER TABLE "items" ADD "preview_width" smallint`);
    await queryRunner.query(`ALTER TABLE "items" ADD "preview_height" smallint`);
    await queryRunner.query(
      `ALTER TABLE "profile_photos" ADD CONSTRAINT "profile_photos_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "profile_photos" DROP CONSTRAINT "profile_photos_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "preview_height"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "preview_width"`);
    await queryRunner.query(`DROP TABLE "profile_photos"`);
  }
}
