import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ItemDto } from '../items';
import { DownloadDto } from './dto/download.dto';
import { RequestUploadDto } from './dto/request-upload.dto';
import { RequestUploadsDto } from './dto/request-uploads.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileUploadDto, UploadResultsDto } from './dto/upload.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@ApiBearerAuth('bearer')
@Controller()
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /**
   * Starts an upload: records the file as pending and answers with a presigned PUT. Send the bytes to
   * `upload.url` with `upload.headers`; the file is listed once storage has them and the worker confirmed.
   */
  @Post('file')
  @ApiCreatedResponse({ type: FileUploadDto })
  @ApiProblems(
    'unauthorized',
    'validation_failed',
    'folder_not_found',
    'permission_denied',
    'file_name_conflict',
    'file_too_large',
    'quota_exceeded',
  )
  requestUpload(@CurrentUser() user: AuthenticatedUser, @Body() dto: RequestUploadDto): Promise<FileUploadDto> {
    return this.files.requestUpload(user, dto);
  }

  /** Starts up to 100 uploads in one round trip; each is answered on its own, in order. */
  @Post('files')
  @HttpCode(200)
  @ApiOkResponse({ type: UploadResultsDto })
  @ApiProblems('unauthorized', 'validation_failed')
  async requestUploads(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: RequestUploadsDto,
  ): Promise<UploadResultsDto> {
    return { results: await this.files.requestUploads(user, dto) };
  }

  /** A presigned download of the file's bytes. */
  @Get('file/:file_id')
  @ApiOkResponse({ type: DownloadDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'file_not_ready')
  downloadFile(@CurrentUser() user: AuthenticatedUser, @IdParam('file_id') fileId: string): Promise<DownloadDto> {
    return this.files.download(user, fileId);
  }

  /** Renames a file and/or moves it (`parent_folder_id: null` moves it to the root). */
  @Patch('file/:file_id')
  @ApiOkResponse({ type: ItemDto })
  @ApiProblems(
    'unauthorized',
    'validation_failed',
    'file_not_found',
    'folder_not_found',
    'permission_denied',
    'file_name_conflict',
  )
  updateFile(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
    @Body() dto: UpdateFileDto,
  ): Promise<ItemDto> {
    return this.files.updateFile(user, fileId, dto);
  }

  /** Puts a file in its owner's trash. */
  @Delete('file/:file_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'permission_denied')
  deleteFile(@CurrentUser() user: AuthenticatedUser, @IdParam('file_id') fileId: string): Promise<void> {
    return this.files.deleteFile(user, fileId);
  }
}
