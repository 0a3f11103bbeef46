import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { ConfirmationsService } from './confirmations.service';
import { InternalController } from './internal.controller';

@Module({
  imports: [DbModule, AccessModule],
  controllers: [InternalController],
  providers: [ConfirmationsService],
  exports: [ConfirmationsService],
})
export class InternalModule {}
