import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject } from 'class-validator';
import { RequestUploadDto } from './request-upload.dto';

export const MAX_FILES_PER_REQUEST = 100;

export class RequestUploadsDto {
  /** 1 to 100 files, each checked and answered on its own. */
  @ApiProperty({ type: [RequestUploadDto], minItems: 1, maxItems: MAX_FILES_PER_REQUEST })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FILES_PER_REQUEST)
  @IsObject({ each: true })
  files: Record<string, unknown>[];
}
