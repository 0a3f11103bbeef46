import { Module } from '@nestjs/common';
import { DbModule } from '@app/db';
import { AccessModule } from '../access/access.module';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

@Module({ imports: [DbModule, AccessModule], controllers: [SearchController], providers: [SearchService] })
export class SearchModule {}
