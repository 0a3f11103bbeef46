import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Min, ValidateIf } from 'class-validator';
import { PROFILE_PHOTO_EXTENSIONS, type ProfilePhotoExtension, type ProfilePhotoOutcome } from '@app/contracts';
import { IsUploadContentType } from '../../../common/validation/upload-content-type';
import { UploadDto } from '../../items';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

export class RequestProfilePhotoDto {
  /** The exact size of the photo to be sent, up to 5 MiB (5,242,880 bytes). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @ApiInteger({ required: false, minimum: 1 })
  photo_size_in_bytes?: number;

  /** The Content-Type the upload will carry (default `application/octet-stream`); what the photo is, is read from its bytes. */
  @IsOptional()
  @IsUploadContentType()
  content_type?: string;
}

/** The original API took the size as a query parameter; it is still accepted there. */
export class ProfilePhotoQueryDto {
  /** The photo's size, when the body does not give it. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @ApiInteger({ required: false, minimum: 1 })
  photo_size_in_bytes?: number;
}

export class ProfilePhotoUploadDto {
  upload: UploadDto;
}

export class ProfilePhotoDto {
  /** A presigned GET of the 400×400 photo in use. */
  url: string;
  expires_at: Date;
  /**
   * `ready`; or what became of a newer upload, while the photo in use stays: `processing` (being checked) or
   * `rejected` (its bytes were not an image we accept).
   */
  @ApiProperty({ enum: ['ready', 'processing', 'rejected'] })
  status: 'ready' | 'processing' | 'rejected';
}

export class ConfirmProfilePictureDto {
  @IsUUID('4')
  user_id: string;

  @ApiProperty({ enum: ['ready', 'rejected'] })
  @IsIn(['ready', 'rejected'])
  status: ProfilePhotoOutcome;

  /** The stored photo's extension, at `profile_photos/resized/{user_id}/photo.{extension}`; required with `ready`. */
  @ApiProperty({ enum: PROFILE_PHOTO_EXTENSIONS, required: false })
  @ValidateIf((dto: ConfirmProfilePictureDto) => dto.status === 'ready' || dto.extension !== undefined)
  @IsIn(PROFILE_PHOTO_EXTENSIONS)
  extension?: ProfilePhotoExtension;
}

export class ProfilePictureConfirmationDto {
  @ApiUuid()
  user_id: string;
  /** The verdict as recorded; `discarded` when no upload was awaited (the photo was deleted meanwhile). */
  @ApiProperty({ enum: ['ready', 'rejected', 'discarded'] })
  status: ProfilePhotoOutcome | 'discarded';
}
