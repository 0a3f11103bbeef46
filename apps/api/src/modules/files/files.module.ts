import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';

@Module({
  imports: [DbModule, AccessModule],
  controllers: [FilesController],
  providers: [FilesService],
  exports: [FilesService],
})
export class FilesModule {}
