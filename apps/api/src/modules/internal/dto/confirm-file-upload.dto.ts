import { ApiProperty } from '@nestjs/swagger';
import type { PreviewStatus } from '@app/contracts';
import { IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';

const TOKEN = "[\\w!#$%&'*+.^`|~-]+";
/**
 * A media type as RFC 9110 writes it, parameters included (file-type answers `audio/ogg; codecs=opus`): the
 * file is served with it, and storage refuses to sign anything else.
 */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`,
);

export class ConfirmFileUploadDto {
  @IsUUID('4')
  file_id: string;

  /** The size the worker saw; the API checks the object's real size in storage itself. */
  @IsInt()
  @Min(0)
  @ApiInteger({ minimum: 0 })
  size_in_bytes: number;

  /** The type sniffed from the bytes. */
  @IsString()
  @MaxLength(255)
  @Matches(MEDIA_TYPE, { message: 'must be a media type such as image/png' })
  content_type: string;

  /**
   * The object the event was about. When it is neither the file's pending upload nor its bytes (the upload was
   * superseded, rejected or purged with its file), it is deleted and nothing else changes. Default: the pending upload.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  object_key?: string;
}

export class UploadConfirmationDto {
  @ApiUuid()
  file_id: string;
  @ApiProperty({ enum: ['confirmed', 'rejected'] })
  status: 'confirmed' | 'rejected';
  /** The confirmed size (the file's size after a rejected replacement). */
  @ApiInteger({ nullable: true })
  size_in_bytes: number | null;
  content_type: string | null;
  /** `pending` when the workers are to make a preview of these bytes now. */
  @ApiProperty({ enum: ['none', 'pending', 'ready', 'failed', 'unsupported'] })
  preview_status: PreviewStatus;
  /** Where the preview of the file's bytes is stored (`ready`) or is to be stored (`pending`); null otherwise. */
  @ApiProperty({ type: String, nullable: true })
  preview_key: string | null;
}
