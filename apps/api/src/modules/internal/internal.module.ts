import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { ConfirmationsService } from './confirmations.service';
import { InternalController } from './internal.controller';

@Module({
  imports: [DbModule],
  controllers: [InternalController],
  providers: [ConfirmationsService],
  exports: [ConfirmationsService],
})
export class InternalModule {}
