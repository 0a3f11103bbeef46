import { MigrationInterface, QueryRunner } from 'typeorm';

export class RevokeTokens1796081165910 implements MigrationInterface {
  name = 'RevokeTokens1796081165910';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "revoked_tokens" ("jti" uuid NOT NULL, "user_id" uuid NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("jti"))`,
    );
    await queryRunner.query(`CREATE INDEX "revoked_tokens_expires_at_idx" ON "revoked_tokens"  ("expires_at") `);
    await queryRunner.query(
      `ALTER TABLE "revoked_tokens" ADD CONSTRAINT "revoked_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "revoked_tokens" DROP CONSTRAINT "revoked_tokens_user_id_fkey"`);
    await queryRunner.query(`DROP INDEX "revoked_tokens_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "revoked_tokens"`);
  }
}
