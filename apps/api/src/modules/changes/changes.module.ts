import { Global, Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { ChangeLog } from './change-log';
import { ChangeSignals } from './change-signals';
import { ChangesController } from './changes.controller';
import { ChangesService } from './changes.service';

/** The change log, written by every module that changes items; its feed and its event streams. */
@Global()
@Module({
  imports: [DbModule],
  controllers: [ChangesController],
  providers: [ChangeLog, ChangeSignals, ChangesService],
  exports: [ChangeLog],
})
export class ChangesModule {}
