import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { FoldersModule } from '../folders/folders.module';
import { TrashModule } from '../trash/trash.module';
import { BatchController } from './batch.controller';
import { BatchService } from './batch.service';

/** Many items in one request: move, trash, restore, delete forever. */
@Module({
  imports: [FilesModule, FoldersModule, TrashModule],
  controllers: [BatchController],
  providers: [BatchService],
})
export class BatchModule {}
