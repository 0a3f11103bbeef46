import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { FilesModule } from '../files/files.module';
import { FoldersModule } from '../folders/folders.module';
import { TrashModule } from '../trash/trash.module';
import { BatchController } from './batch.controller';
import { BatchService } from './batch.service';
import { CopyService } from './copy.service';

/** Many items in one request: move, copy, trash, restore, delete forever. */
@Module({
  imports: [DbModule, AccessModule, FilesModule, FoldersModule, TrashModule],
  controllers: [BatchController],
  providers: [BatchService, CopyService],
})
export class BatchModule {}
