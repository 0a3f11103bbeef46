import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ItemDto } from '../items';
import { CreateFolderDto } from './dto/create-folder.dto';
import { ListingQueryDto } from './dto/listing-query.dto';
import { ListingDto } from './dto/listing.dto';
import { UpdateFolderDto } from './dto/update-folder.dto';
import { FoldersService } from './folders.service';

@ApiTags('folders')
@ApiBearerAuth('bearer')
@Controller('drive')
export class FoldersController {
  constructor(private readonly folders: FoldersService) {}

  /** Creates a folder at the root or in a folder. */
  @Post()
  @ApiCreatedResponse({ type: ItemDto })
  @ApiProblems('unauthorized', 'validation_failed', 'folder_not_found', 'permission_denied', 'folder_name_conflict')
  createFolder(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateFolderDto): Promise<ItemDto> {
    return this.folders.createFolder(user, dto);
  }

  /** Lists the root of the caller's drive, with their storage figures. */
  @Get()
  @ApiOkResponse({ type: ListingDto })
  @ApiProblems('unauthorized', 'validation_failed')
  listDrive(@CurrentUser() user: AuthenticatedUser, @Query() query: ListingQueryDto): Promise<ListingDto> {
    return this.folders.listFolder(user, null, query);
  }

  /** Lists a folder of the caller's, or one shared with them (or inside one), with their permission on each item. */
  @Get(':folder_id')
  @ApiOkResponse({ type: ListingDto })
  @ApiProblems('unauthorized', 'validation_failed', 'folder_not_found')
  listFolder(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('folder_id') folderId: string,
    @Query() query: ListingQueryDto,
  ): Promise<ListingDto> {
    return this.folders.listFolder(user, folderId, query);
  }

  /** Renames a folder and/or moves it (`parent_folder_id: null` moves it to the root). */
  @Patch(':folder_id')
  @ApiOkResponse({ type: ItemDto })
  @ApiProblems(
    'unauthorized',
    'validation_failed',
    'folder_not_found',
    'permission_denied',
    'folder_name_conflict',
    'folder_move_cycle',
  )
  updateFolder(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('folder_id') folderId: string,
    @Body() dto: UpdateFolderDto,
  ): Promise<ItemDto> {
    return this.folders.updateFolder(user, folderId, dto);
  }

  /** Puts a folder and everything in it in its owner's trash. */
  @Delete(':folder_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'folder_not_found', 'permission_denied')
  deleteFolder(@CurrentUser() user: AuthenticatedUser, @IdParam('folder_id') folderId: string): Promise<void> {
    return this.folders.deleteFolder(user, folderId);
  }
}
