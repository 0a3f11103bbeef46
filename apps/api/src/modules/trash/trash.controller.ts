import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ItemDto } from '../items';
import { TrashPageDto, TrashQueryDto } from './dto/trash.dto';
import { TrashService } from './trash.service';

@ApiTags('trash')
@ApiBearerAuth('bearer')
@Controller('trash')
export class TrashController {
  constructor(private readonly trash: TrashService) {}

  /** The caller's trash: what they deleted (a folder stands for everything in it), most recent first. */
  @Get()
  @ApiOkResponse({ type: TrashPageDto })
  @ApiProblems('unauthorized', 'validation_failed')
  listTrash(@CurrentUser() user: AuthenticatedUser, @Query() query: TrashQueryDto): Promise<TrashPageDto> {
    return this.trash.listTrash(user, query);
  }

  /** Puts an item back where it was (at the root if that folder is gone), renamed `name(N)` if its name is taken. */
  @Post(':item_id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: ItemDto })
  @ApiProblems('unauthorized', 'validation_failed', 'trash_item_not_found', 'permission_denied')
  restoreItem(@CurrentUser() user: AuthenticatedUser, @IdParam('item_id') itemId: string): Promise<ItemDto> {
    return this.trash.restore(user, itemId);
  }

  /** Deletes an item of the trash for good: its rows, its bytes, its previews; its quota is freed. */
  @Delete(':item_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'trash_item_not_found', 'permission_denied')
  purgeItem(@CurrentUser() user: AuthenticatedUser, @IdParam('item_id') itemId: string): Promise<void> {
    return this.trash.purgeItem(user, itemId);
  }

  /** Empties the trash. */
  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized')
  emptyTrash(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.trash.emptyTrash(user);
  }
}
