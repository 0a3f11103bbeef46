import { ApiProperty } from '@nestjs/swagger';
import { ApiInteger } from '../../../common/openapi/api-types';

export class PreviewDto {
  /** A presigned GET of the preview: JPEG, or WebP when the image has transparency; inside 400×400. */
  url: string;
  expires_at: Date;
  /** The preview's width in pixels. */
  @ApiInteger()
  width: number;
  /** The preview's height in pixels. */
  @ApiInteger()
  height: number;
}

export class PreviewPendingDto {
  /** The preview is being made (or the file's bytes are still on their way): ask again after `Retry-After`. */
  @ApiProperty({ enum: ['pending'] })
  status: 'pending';
}
