import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, MaxLength, Min } from 'class-validator';

export class ConfirmFileUploadDto {
  @IsUUID('4')
  file_id: string;

  /** The size the worker saw; the API checks the object's real size in storage itself. */
  @IsInt()
  @Min(0)
  size_in_bytes: number;

  /** The type sniffed from the bytes. */
  @IsString()
  @MaxLength(255)
  content_type: string;

  /** The object the event was about; when it is not the file's pending upload, nothing changes. Default: the pending upload. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  object_key?: string;
}

export class UploadConfirmationDto {
  file_id: string;
  @ApiProperty({ enum: ['confirmed', 'rejected'] })
  status: 'confirmed' | 'rejected';
  /** The confirmed size (the file's size after a rejected replacement). */
  size_in_bytes: number | null;
  content_type: string | null;
}
