import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { ArchivesController } from './archives.controller';
import { ArchivesService } from './archives.service';

/** Folders downloaded as zips. */
@Module({ imports: [DbModule, AccessModule], controllers: [ArchivesController], providers: [ArchivesService] })
export class ArchivesModule {}
