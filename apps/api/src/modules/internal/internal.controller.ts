import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Internal } from '../../common/auth/lambda-secret.guard';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ConfirmationsService } from './confirmations.service';
import { ConfirmFilePreviewDto, PreviewConfirmationDto } from './dto/confirm-file-preview.dto';
import { ConfirmFileUploadDto, UploadConfirmationDto } from './dto/confirm-file-upload.dto';

@Internal()
@Controller()
export class InternalController {
  constructor(private readonly confirmations: ConfirmationsService) {}

  /**
   * The worker saw an upload's bytes: the API checks their real size in storage and confirms the file (or
   * rejects it and deletes the object). Idempotent.
   */
  @Post('confirm-file-upload')
  @HttpCode(200)
  @ApiOkResponse({ type: UploadConfirmationDto })
  @ApiProblems('forbidden', 'validation_failed', 'file_not_found', 'upload_not_pending', 'upload_missing')
  confirmFileUpload(@Body() dto: ConfirmFileUploadDto): Promise<UploadConfirmationDto> {
    return this.confirmations.confirmFileUpload(dto);
  }

  /** The worker made a file's preview (or found it could not): records the outcome. Idempotent. */
  @Post('confirm-file-preview')
  @HttpCode(200)
  @ApiOkResponse({ type: PreviewConfirmationDto })
  @ApiProblems('forbidden', 'validation_failed', 'file_not_found')
  confirmFilePreview(@Body() dto: ConfirmFilePreviewDto): Promise<PreviewConfirmationDto> {
    return this.confirmations.confirmFilePreview(dto);
  }
}
