import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A file's earlier contents, kept when a Replace takes over (issue 13, versions), and who uploaded the current
 * bytes and since when, which a version carries along when it is kept.
 */
export class KeepFileVersions1796094609085 implements MigrationInterface {
  name = 'KeepFileVersions1796094609085';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "file_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "file_id" uuid NOT NULL, "owner_id" uuid NOT NULL, "object_key" character varying(200) NOT NULL, "object_etag" character varying(255), "object_version_id" character varying(1024), "size_bytes" bigint NOT NULL, "content_type" character varying(255), "uploaded_by" uuid, "confirmed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "replaced_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "file_versions_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "file_versions_replaced_at_idx" ON "file_versions"  ("replaced_at") `);
    await queryRunner.query(
      `CREATE INDEX "file_versions_file_id_replaced_at_idx" ON "file_versions"  ("file_id", "replaced_at", "id") `,
    );
    await queryRunner.query(`ALTER TABLE "items" ADD "object_uploaded_by" uuid`);
    await queryRunner.query(`ALTER TABLE "items" ADD "object_confirmed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_uploaded_by_fkey" FOREIGN KEY ("uploaded_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "file_versions" DROP CONSTRAINT "file_versions_uploaded_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP CONSTRAINT "file_versions_owner_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "file_versions" DROP CONSTRAINT "file_versions_file_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "object_confirmed_at"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "object_uploaded_by"`);
    await queryRunner.query(`DROP INDEX "file_versions_file_id_replaced_at_idx"`);
    await queryRunner.query(`DROP INDEX "file_versions_replaced_at_idx"`);
    await queryRunner.query(`DROP TABLE "file_versions"`);
  }
}
