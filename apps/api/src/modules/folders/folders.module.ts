import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { FoldersController } from './folders.controller';
import { FoldersService } from './folders.service';

@Module({
  imports: [DbModule, AccessModule],
  controllers: [FoldersController],
  providers: [FoldersService],
  exports: [FoldersService],
})
export class FoldersModule {}
