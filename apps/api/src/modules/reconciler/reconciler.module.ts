import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { InternalModule } from '../internal/internal.module';
import { TrashModule } from '../trash/trash.module';
import { VersionsModule } from '../versions/versions.module';
import { Reconciler } from './reconciler.service';

@Module({
  imports: [DbModule, InternalModule, TrashModule, VersionsModule],
  providers: [Reconciler],
  exports: [Reconciler],
})
export class ReconcilerModule {}
