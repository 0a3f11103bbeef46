import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Min, ValidateIf } from 'class-validator';
import { IsItemName } from '../../../common/validation/item-name';
import { IsUploadContentType } from '../../../common/validation/upload-content-type';
import { ApiInteger } from '../../../common/openapi/api-types';

export const CONFLICT_MODES = ['Keep', 'Replace'] as const;
export type ConflictMode = (typeof CONFLICT_MODES)[number];

export class RequestUploadDto {
  /** 1 to 255 characters after NFC normalisation and trimming; no `/`, `\`, control characters, nor invisible or direction-changing ones (bidi controls, zero-width characters). */
  @IsItemName()
  file_name: string;

  /** The exact size of the bytes to be sent; storage refuses any other. */
  @IsInt()
  @Min(0)
  @ApiInteger({ minimum: 0 })
  file_size_in_bytes: number;

  /** The folder to upload into; absent or null for the root. */
  @ValidateIf((dto: RequestUploadDto) => dto.parent_folder_id !== null && dto.parent_folder_id !== undefined)
  @IsUUID('4')
  parent_folder_id?: string | null;

  /** The Content-Type the upload will carry (default `application/octet-stream`); the stored type is sniffed from the bytes. */
  @IsOptional()
  @IsUploadContentType()
  content_type?: string;

  /**
   * What to do when the name is taken: absent or null, 409 `file_name_conflict`; `Keep`, the new file gets a
   * free name (`photo(1).png`); `Replace`, the new bytes take the existing file's place (same id) once confirmed.
   */
  @ApiPropertyOptional({ enum: CONFLICT_MODES, nullable: true })
  @IsOptional()
  @IsIn(CONFLICT_MODES)
  file_conflict?: ConflictMode | null;
}
