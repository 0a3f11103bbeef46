import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import {
  CreateShareDto,
  SharedWithMeDto,
  SharedWithMeQueryDto,
  ShareDto,
  SharesDto,
  SharesQueryDto,
  UpdateShareDto,
} from './dto/share.dto';
import { SharingService } from './sharing.service';

@ApiTags('sharing')
@ApiBearerAuth('bearer')
@Controller()
export class SharingController {
  constructor(private readonly sharing: SharingService) {}

  /**
   * Shares one of the caller's files or folders with another user, by username or e-mail, to `view` or to `edit`.
   * A folder's share reaches everything in it, now and later.
   */
  @Post('share')
  @ApiCreatedResponse({ type: ShareDto })
  @ApiProblems(
    'unauthorized',
    'validation_failed',
    'file_not_found',
    'folder_not_found',
    'permission_denied',
    'user_not_found',
    'cannot_share_with_self',
    'already_shared',
  )
  createShare(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateShareDto): Promise<ShareDto> {
    return this.sharing.createShare(user, dto);
  }

  /** The grants on one of the caller's items (`file_id` or `folder_id`). */
  @Get('share')
  @ApiOkResponse({ type: SharesDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'folder_not_found', 'permission_denied')
  listShares(@CurrentUser() user: AuthenticatedUser, @Query() query: SharesQueryDto): Promise<SharesDto> {
    return this.sharing.listShares(user, query);
  }

  /** Changes a share's permission (the item's owner only); it applies at once. */
  @Patch('share/:share_id')
  @ApiOkResponse({ type: ShareDto })
  @ApiProblems('unauthorized', 'validation_failed', 'share_not_found', 'permission_denied')
  updateShare(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('share_id') shareId: string,
    @Body() dto: UpdateShareDto,
  ): Promise<ShareDto> {
    return this.sharing.updateShare(user, shareId, dto);
  }

  /** Ends a share: its item's owner revokes it, or its recipient leaves it. Access ends at once. */
  @Delete('share/:share_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'share_not_found')
  deleteShare(@CurrentUser() user: AuthenticatedUser, @IdParam('share_id') shareId: string): Promise<void> {
    return this.sharing.deleteShare(user, shareId);
  }

  /** Everything shared directly with the caller, wherever it sits in its owner's drive, most recent first. */
  @Get('shared-with-me')
  @ApiOkResponse({ type: SharedWithMeDto })
  @ApiProblems('unauthorized', 'validation_failed')
  listSharedWithMe(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: SharedWithMeQueryDto,
  ): Promise<SharedWithMeDto> {
    return this.sharing.listSharedWithMe(user, query);
  }
}
