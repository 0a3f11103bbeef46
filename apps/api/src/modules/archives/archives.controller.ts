import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { contentDisposition } from '@app/storage';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { Public } from '../../common/auth/public.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { IdParam } from '../../common/validation/id-param';
import { ArchivesService } from './archives.service';
import { ArchiveLinkDto, ArchiveQueryDto } from './dto/archive.dto';

@ApiTags('folders')
@Controller()
export class ArchivesController {
  constructor(private readonly archives: ArchivesService) {}

  /**
   * A link to download the folder, and everything in it, as one zip: follow `url` (no token needed) before
   * `expires_at`. Files whose upload is not confirmed, and what is in the trash, are left out. A folder of more
   * than ARCHIVE_MAX_ENTRIES files and folders, or ARCHIVE_MAX_BYTES in all, is refused with 413.
   */
  @Post('drive/:folder_id/archive')
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOkResponse({ type: ArchiveLinkDto })
  @ApiProblems('unauthorized', 'validation_failed', 'folder_not_found', 'archive_too_large', 'too_many_requests')
  requestArchive(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam('folder_id') folderId: string,
  ): Promise<ArchiveLinkDto> {
    return this.archives.link(user.id, folderId);
  }

  /**
   * The folder's zip, streamed as it is read from storage (`Content-Length` exact). The link's user must still
   * see the folder; the zip holds what the folder holds now. A file deleted while the zip is being sent cuts the
   * download short (the client sees it fail).
   */
  @Public()
  @Get('archives/:folder_id')
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'The zip.', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(
    'validation_failed',
    'archive_link_invalid',
    'archive_link_expired',
    'folder_not_found',
    'archive_too_large',
    'too_many_requests',
  )
  async downloadArchive(
    @IdParam('folder_id') folderId: string,
    @Query() query: ArchiveQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const zip = await this.archives.open(folderId, query);
    await reply
      .header('Content-Type', 'application/zip')
      .header('Content-Length', String(zip.sizeBytes))
      .header('Content-Disposition', contentDisposition(zip.fileName))
      .header('Cache-Control', 'private, no-store')
      .send(zip.stream);
  }
}
