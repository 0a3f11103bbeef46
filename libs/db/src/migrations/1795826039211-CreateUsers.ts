import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1795826039211 implements MigrationInterface {
  name = 'CreateUsers1795826039211';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(32) NOT NULL, "email" character varying(254) NOT NULL, "password_hash" character varying(60) NOT NULL, "quota_bytes" bigint NOT NULL, "used_bytes" bigint NOT NULL DEFAULT '0', "reserved_bytes" bigint NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "users_reserved_bytes_check" CHECK ("reserved_bytes" >= 0), CONSTRAINT "users_used_bytes_check" CHECK ("used_bytes" >= 0), CONSTRAINT "users_email_lower_check" CHECK ("email" = lower("email")), CONSTRAINT "users_quota_bytes_check" CHECK ("quota_bytes" >= 0), CONSTRAINT "users_pkey" PRIMARY KEY ("id"))`,
    );
    // Written by hand: uniqueness regardless of case, which TypeORM cannot express on the entity.
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_email_key" ON "users" ("email")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
