import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateItems1795828747443 implements MigrationInterface {
  name = 'CreateItems1795828747443';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "items" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner_id" uuid NOT NULL, "parent_folder_id" uuid, "kind" character varying(6) NOT NULL, "name" character varying(255) NOT NULL, "type" character varying(255), "size_bytes" bigint, "content_type" character varying(255), "upload_status" character varying(9), "object_key" character varying(200), "upload_key" character varying(200), "upload_size_bytes" bigint, "upload_content_type" character varying(255), "upload_expires_at" TIMESTAMP WITH TIME ZONE, "preview_status" character varying(11) NOT NULL DEFAULT 'none', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_interaction" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, "trash_root_id" uuid, CONSTRAINT "items_trash_check" CHECK (("deleted_at" IS NULL) = ("trash_root_id" IS NULL)), CONSTRAINT "items_size_check" CHECK ("size_bytes" >= 0 AND "upload_size_bytes" >= 0), CONSTRAINT "items_pending_upload_check" CHECK (("upload_key" IS NULL) = ("upload_size_bytes" IS NULL) AND ("upload_key" IS NULL) = ("upload_expires_at" IS NULL)), CONSTRAINT "items_confirmed_file_check" CHECK ("upload_status" IS DISTINCT FROM 'confirmed' OR ("object_key" IS NOT NULL AND "size_bytes" IS NOT NULL)), CONSTRAINT "items_preview_status_check" CHECK ("preview_status" IN ('none', 'pending', 'ready', 'failed', 'unsupported')), CONSTRAINT "items_upload_status_check" CHECK (("kind" = 'folder') = ("upload_status" IS NULL) AND "upload_status" IN ('pending', 'confirmed', 'rejected')), CONSTRAINT "items_kind_check" CHECK ("kind" IN ('file', 'folder')), CONSTRAINT "items_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "items_parent_folder_id_idx" ON "items"  ("parent_folder_id") `);
    await queryRunner.query(
      `ALTER TABLE "items" ADD CONSTRAINT "items_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "items" ADD CONSTRAINT "items_parent_folder_id_fkey" FOREIGN KEY ("parent_folder_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Written by hand: expression and partial indexes, which TypeORM cannot express on the entity.
    // Live siblings (a pending upload included, a rejected one not) have distinct names regardless of case.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "items_live_name_key" ON "items" ("owner_id", "parent_folder_id", lower("name")) NULLS NOT DISTINCT WHERE "deleted_at" IS NULL AND "upload_status" IS DISTINCT FROM 'rejected'`,
    );
    // A folder's listing, folders first, by name: one index range, whichever page.
    await queryRunner.query(
      `CREATE INDEX "items_listing_idx" ON "items" ("owner_id", "parent_folder_id", "kind", lower("name"), "id") WHERE "deleted_at" IS NULL AND "upload_status" IS DISTINCT FROM 'pending' AND "upload_status" IS DISTINCT FROM 'rejected'`,
    );
    // The trash's top-level items, oldest first (listing and purging).
    await queryRunner.query(
      `CREATE INDEX "items_trash_idx" ON "items" ("owner_id", "deleted_at") WHERE "trash_root_id" = "id"`,
    );
    // Uploads in flight, by deadline (the reconciler).
    await queryRunner.query(
      `CREATE INDEX "items_pending_upload_idx" ON "items" ("upload_expires_at") WHERE "upload_key" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "items_pending_upload_idx"`);
    await queryRunner.query(`DROP INDEX "items_trash_idx"`);
    await queryRunner.query(`DROP INDEX "items_listing_idx"`);
    await queryRunner.query(`DROP INDEX "items_live_name_key"`);
    await queryRunner.query(`ALTER TABLE "items" DROP CONSTRAINT "items_parent_folder_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "items" DROP CONSTRAINT "items_owner_id_fkey"`);
    await queryRunner.query(`DROP INDEX "items_parent_folder_id_idx"`);
    await queryRunner.query(`DROP TABLE "items"`);
  }
}
