import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { OptionalBody } from '../../common/validation/optional-body';
import {
  ProfilePhotoDto,
  ProfilePhotoQueryDto,
  ProfilePhotoUploadDto,
  RequestProfilePhotoDto,
} from './dto/profile-photo.dto';
import { ProfilePhotoService } from './profile.service';

@ApiTags('profile')
@ApiBearerAuth('bearer')
@Controller('profile-photo')
export class ProfileController {
  constructor(private readonly photos: ProfilePhotoService) {}

  /**
   * Starts a profile photo upload: a presigned PUT for an image of up to 5 MiB. The workers read its bytes: an
   * image becomes the 400×400 photo in use; anything else is deleted and reported by `GET /profile-photo`.
   * The size may also be given as the query parameter `photo_size_in_bytes`.
   */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: RequestProfilePhotoDto, required: false })
  @ApiOkResponse({ type: ProfilePhotoUploadDto })
  @ApiProblems('unauthorized', 'validation_failed', 'file_too_large', 'too_many_requests')
  requestProfilePhotoUpload(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ProfilePhotoQueryDto,
    @OptionalBody() dto: RequestProfilePhotoDto,
  ): Promise<ProfilePhotoUploadDto> {
    return this.photos.requestUpload(user.id, dto.photo_size_in_bytes ?? query.photo_size_in_bytes, dto.content_type);
  }

  /**
   * The photo in use (a presigned GET). Without one: 404 `no_profile_photo`, whose `photo_status` says
   * `processing` or `rejected` when an upload is why (`status` is the HTTP status in a problem document).
   */
  @Get()
  @ApiOkResponse({ type: ProfilePhotoDto })
  @ApiProblems('unauthorized', 'no_profile_photo')
  getProfilePhoto(@CurrentUser() user: AuthenticatedUser): Promise<ProfilePhotoDto> {
    return this.photos.get(user.id);
  }

  /** Removes the profile photo (and an upload under way). */
  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems('unauthorized')
  deleteProfilePhoto(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.photos.remove(user.id);
  }
}
