import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddTokenVersion1796076372609 implements MigrationInterface {
  name = 'AddTokenVersion1796076372609';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "token_version" integer NOT NULL DEFAULT '0'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_version"`);
  }
}
