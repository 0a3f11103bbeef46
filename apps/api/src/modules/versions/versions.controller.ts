import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ItemDto } from '../items';
import { FileVersionsDto, VersionDownloadDto } from './dto/versions.dto';
import { VersionsService } from './versions.service';

@ApiTags('versions')
@ApiBearerAuth('bearer')
@Controller('file/:file_id/versions')
export class VersionsController {
  constructor(private readonly versions: VersionsService) {}

  /** The file's current content and its earlier ones (versions), newest first. Whoever may view the file. */
  @Get()
  @ApiOkResponse({ type: FileVersionsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'file_not_ready')
  listFileVersions(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
  ): Promise<FileVersionsDto> {
    return this.versions.list(user, fileId);
  }

  /** A presigned download of exactly that version's bytes, under the file's name. Whoever may view the file. */
  @Get(':version_id')
  @ApiOkResponse({ type: VersionDownloadDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'version_not_found')
  downloadFileVersion(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
    @IdParam('version_id') versionId: string,
  ): Promise<VersionDownloadDto> {
    return this.versions.download(user, fileId, versionId);
  }

  /**
   * The version becomes the file's content; the content it replaces becomes a version (nothing is lost). The
   * quota does not change. Editors and the owner.
   */
  @Post(':version_id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: ItemDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'version_not_found', 'permission_denied')
  restoreFileVersion(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
    @IdParam('version_id') versionId: string,
  ): Promise<ItemDto> {
    return this.versions.restore(user, fileId, versionId);
  }

  /** Deletes the version for good: its bytes no longer count against the owner's quota. Editors and the owner. */
  @Delete(':version_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'version_not_found', 'permission_denied')
  deleteFileVersion(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
    @IdParam('version_id') versionId: string,
  ): Promise<void> {
    return this.versions.remove(user, fileId, versionId);
  }
}
