import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { SharingController } from './sharing.controller';
import { SharingService } from './sharing.service';

@Module({ imports: [DbModule, AccessModule], controllers: [SharingController], providers: [SharingService] })
export class SharingModule {}
