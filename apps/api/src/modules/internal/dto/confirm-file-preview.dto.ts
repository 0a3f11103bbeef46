import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import {
  IMAGE_EDGE,
  MAX_MEDIA_DURATION_MS,
  MAX_MEDIA_SIDE,
  type PreviewOutcome,
  type PreviewStatus,
} from '@app/contracts';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

export class ConfirmFilePreviewDto {
  @IsUUID('4')
  file_id: string;

  /** `ready`: the preview is stored at `preview_key`; `failed`: the bytes did not decode; `unsupported`: no preview will be made. */
  @ApiProperty({ enum: ['ready', 'failed', 'unsupported'] })
  @IsIn(['ready', 'failed', 'unsupported'])
  status: PreviewOutcome;

  /** The preview's width in pixels; required with `ready`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(IMAGE_EDGE)
  @ApiInteger({ required: false, minimum: 1, maximum: IMAGE_EDGE })
  width?: number;

  /** The preview's height in pixels; required with `ready`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(IMAGE_EDGE)
  @ApiInteger({ required: false, minimum: 1, maximum: IMAGE_EDGE })
  height?: number;

  /** The file's object the preview was made from; when the file's bytes have been replaced since, nothing changes. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  object_key?: string;

  /** Where the preview was stored: the `preview_key` the upload's confirmation answered. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  preview_key?: string;

  /** A video's length in milliseconds, read while its poster frame was made. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_MEDIA_DURATION_MS)
  @ApiInteger({ required: false, minimum: 0, maximum: MAX_MEDIA_DURATION_MS })
  duration_ms?: number;

  /** A video's frame width in pixels, as shown (after its rotation). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MEDIA_SIDE)
  @ApiInteger({ required: false, minimum: 1, maximum: MAX_MEDIA_SIDE })
  media_width?: number;

  /** A video's frame height in pixels, as shown (after its rotation). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MEDIA_SIDE)
  @ApiInteger({ required: false, minimum: 1, maximum: MAX_MEDIA_SIDE })
  media_height?: number;
}

export class PreviewConfirmationDto {
  @ApiUuid()
  file_id: string;
  @ApiProperty({ enum: ['none', 'pending', 'ready', 'failed', 'unsupported'] })
  preview_status: PreviewStatus;
  /** The file's current object: when it is not the one the preview was made from, that preview is stale. */
  object_key: string;
  /** The type sniffed from the file's current bytes (what a preview of them is made from). */
  @ApiProperty({ type: String, nullable: true })
  content_type: string | null;
  /**
   * Whether a row names the preview at `preview_key` (the file, or the version that keeps the bytes it was made
   * from). When it is false, that object belongs to nothing and the worker deletes it.
   */
  preview_kept: boolean;
}
