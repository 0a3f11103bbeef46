import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessService } from './access.service';

@Module({ imports: [DbModule], providers: [AccessService], exports: [AccessService] })
export class AccessModule {}
