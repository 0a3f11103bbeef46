import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { SearchQueryDto } from './dto/search-query.dto';
import { SearchResultsDto } from './dto/search-results.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth('bearer')
@Controller('search')
export class SearchController {
  constructor(private readonly service: SearchService) {}

  /**
   * Finds the files and folders the caller may see (their own, and what is shared with them, directly or through a
   * folder) whose names contain `q`, in any case and with or without accents; filtered by kind, content family,
   * last interaction, size, a folder (with everything below it) and owner. Nothing in the trash, and no file whose
   * upload is not confirmed, is found.
   */
  @Get()
  @ApiOkResponse({ type: SearchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'folder_not_found')
  search(@CurrentUser() user: AuthenticatedUser, @Query() query: SearchQueryDto): Promise<SearchResultsDto> {
    return this.service.search(user, query);
  }
}
