import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The confirmed bytes' ETag and version (downloads serve exactly those), and who asked for the upload in flight
 * (its bytes are taken only while they may still edit the file).
 */
export class PinUploadedObjects1796076603225 implements MigrationInterface {
  name = 'PinUploadedObjects1796076603225';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" ADD "object_etag" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "items" ADD "object_version_id" character varying(1024)`);
    await queryRunner.query(`ALTER TABLE "items" ADD "upload_requested_by" uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "upload_requested_by"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "object_version_id"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "object_etag"`);
  }
}
