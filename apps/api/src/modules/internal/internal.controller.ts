import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Internal } from '../../common/auth/lambda-secret.guard';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ConfirmationsService } from './confirmations.service';
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
}
