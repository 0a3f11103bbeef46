import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddMediaFacts1796094480095 implements MigrationInterface {
  name = 'AddMediaFacts1796094480095';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" ADD "duration_ms" integer`);
    await queryRunner.query(`ALTER TABLE "items" ADD "media_width" integer`);
    await queryRunner.query(`ALTER TABLE "items" ADD "media_height" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "media_height"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "media_width"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "duration_ms"`);
  }
}
