import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { TrashController } from './trash.controller';
import { TrashService } from './trash.service';

@Module({ imports: [DbModule], controllers: [TrashController], providers: [TrashService], exports: [TrashService] })
export class TrashModule {}
