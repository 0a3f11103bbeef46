import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { BatchService } from './batch.service';
import { BatchCopyDto, BatchItemsDto, BatchMoveDto, BatchResultsDto, BatchTrashItemsDto } from './dto/batch.dto';

/**
 * Up to 1,000 items per request, each done and answered as its own request would be (`results`, in order: the
 * status it alone would have had, the item or the problem). Not atomic: see docs/API.md.
 */
@ApiTags('batch')
@ApiBearerAuth('bearer')
@Controller('batch')
export class BatchController {
  constructor(private readonly batch: BatchService) {}

  /** Moves each item into `parent_folder_id` (null: the root), as `PATCH /file/{id}` or `PATCH /drive/{id}` would. */
  @Post('move')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
  async move(@CurrentUser() user: AuthenticatedUser, @Body() dto: BatchMoveDto): Promise<BatchResultsDto> {
    return { results: await this.batch.move(user, dto.items, dto.parent_folder_id) };
  }

  /**
   * Copies each item into `parent_folder_id` (null: the caller's root) inside storage: a file with its bytes and
   * preview, a folder with everything live in it (up to COPY_MAX_ITEMS, else 413 `copy_too_large`), under the same
   * name or the first free `name(N)`, counted against the destination owner's quota (507 `quota_exceeded`). Each
   * answered 201 with the new item, or its problem; a copy is whole or not made.
   */
  @Post('copy')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
  async copy(@CurrentUser() user: AuthenticatedUser, @Body() dto: BatchCopyDto): Promise<BatchResultsDto> {
    return { results: await this.batch.copy(user, dto.items, dto.parent_folder_id) };
  }

  /** Puts each item in its owner's trash, as `DELETE /file/{id}` or `DELETE /drive/{id}` would. */
  @Post('trash')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
  async moveToTrash(@CurrentUser() user: AuthenticatedUser, @Body() dto: BatchItemsDto): Promise<BatchResultsDto> {
    return { results: await this.batch.moveToTrash(user, dto.items) };
  }

  /** Restores each item of the caller's trash, as `POST /trash/{id}/restore` would. */
  @Post('restore')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
  async restore(@CurrentUser() user: AuthenticatedUser, @Body() dto: BatchTrashItemsDto): Promise<BatchResultsDto> {
    return { results: await this.batch.restore(user, dto.item_ids) };
  }

  /** Deletes each item of the caller's trash for good, as `DELETE /trash/{id}` would. */
  @Post('delete-forever')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
  async deleteForever(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: BatchTrashItemsDto,
  ): Promise<BatchResultsDto> {
    return { results: await this.batch.deleteForever(user, dto.item_ids) };
  }
}
