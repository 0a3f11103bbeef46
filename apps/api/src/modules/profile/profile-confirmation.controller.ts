import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Internal } from '../../common/auth/lambda-secret.guard';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ConfirmProfilePictureDto, ProfilePictureConfirmationDto } from './dto/profile-photo.dto';
import { ProfilePhotoService } from './profile.service';

/** The workers' callback for profile photos (an internal endpoint, beside the feature it changes). */
@Internal()
@Controller()
export class ProfileConfirmationController {
  constructor(private readonly photos: ProfilePhotoService) {}

  /**
   * The worker checked a profile photo: `ready` puts the stored 400×400 photo in use, `rejected` reports the
   * upload refused (the photo in use stays). Idempotent.
   */
  @Post('confirm-profile-picture')
  @HttpCode(200)
  @ApiOkResponse({ type: ProfilePictureConfirmationDto })
  @ApiProblems('forbidden', 'validation_failed', 'user_not_found')
  confirmProfilePicture(@Body() dto: ConfirmProfilePictureDto): Promise<ProfilePictureConfirmationDto> {
    return this.photos.confirm(dto);
  }
}
