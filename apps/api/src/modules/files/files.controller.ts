import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ItemDto } from '../items';
import { DownloadDto } from './dto/download.dto';
import { PreviewDto, PreviewPendingDto } from './dto/preview.dto';
import { RequestUploadDto } from './dto/request-upload.dto';
import { RequestUploadsDto } from './dto/request-uploads.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileUploadDto, UploadResultsDto } from './dto/upload.dto';
import { FilesService } from './files.service';

/** A preview takes well under a second to make once the bytes are in. */
const PREVIEW_RETRY_AFTER_SECONDS = 1;

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
    'too_many_requests',
  )
  requestUpload(@CurrentUser() user: AuthenticatedUser, @Body() dto: RequestUploadDto): Promise<FileUploadDto> {
    return this.files.requestUpload(user, dto);
  }

  /** Starts up to 100 uploads in one round trip; each is answered on its own, in order. */
  @Post('files')
  @HttpCode(200)
  @ApiOkResponse({ type: UploadResultsDto })
  @ApiProblems('unauthorized', 'validation_failed', 'too_many_requests')
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

  /**
   * The file's preview (inside 400×400, upright, without metadata). 200 with a presigned GET when it is ready;
   * 202 `{status: "pending"}` with `Retry-After` while the bytes are on their way or the preview is being
   * made; 404 `preview_not_available` when there is none and will be none (not an image, or one that does
   * not decode).
   */
  @Get('image-preview/:file_id')
  @ApiOkResponse({ type: PreviewDto })
  @ApiAcceptedResponse({
    type: PreviewPendingDto,
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } } },
  })
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'preview_not_available')
  async getImagePreview(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('file_id') fileId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PreviewDto | PreviewPendingDto> {
    const preview = await this.files.preview(user, fileId);
    if ('status' in preview) void reply.status(202).header('Retry-After', String(PREVIEW_RETRY_AFTER_SECONDS));
    return preview;
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

  /**
   * Puts a file in its owner's trash. A file whose first upload is still `uploading` or has `failed` (see `uploads`
   * in the listings) is removed at once instead: its name and its reserved quota are free on return.
   */
  @Delete('file/:file_id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized', 'validation_failed', 'file_not_found', 'permission_denied')
  deleteFile(@CurrentUser() user: AuthenticatedUser, @IdParam('file_id') fileId: string): Promise<void> {
    return this.files.deleteFile(user, fileId);
  }
}
