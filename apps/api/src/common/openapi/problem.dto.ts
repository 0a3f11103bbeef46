import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiInteger, ApiUuid } from './api-types';

export class FieldErrorDto {
  /** The field, as a dotted path into the body (`files.3.file_name`), or `body` for the body as a whole. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** An error, as RFC 9457 problem details (`application/problem+json`), with the members some codes add. */
export class ProblemDto {
  /** A URI naming the kind of problem: `urn:clouddrive:problem:<code>`. */
  type: string;
  /** A short summary of the kind of problem. */
  title: string;
  /** The HTTP status. */
  @ApiInteger()
  status: number;
  /** A sentence for a person about this occurrence. */
  detail: string;
  /** A stable snake_case string for programs to branch on. */
  @ApiProperty({ example: 'validation_failed' })
  code: string;
  /** With `validation_failed`: each field that is wrong. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
  /** With `file_name_conflict`: the file or folder that holds the name (null when it went meanwhile). */
  @ApiUuid({ required: false, nullable: true })
  conflicting_file_id?: string | null;
  /** With `file_name_conflict` of a `Replace`: the folder that holds the name (a folder is never replaced). */
  @ApiUuid({ required: false })
  conflicting_folder_id?: string;
  /** With `file_too_large` of a file upload: the largest size accepted; with `archive_too_large`, the most bytes zipped. */
  @ApiInteger({ required: false })
  max_size_in_bytes?: number;
  /** With `archive_too_large`: the most files and folders zipped; with `copy_too_large`: the most a folder is copied with. */
  @ApiInteger({ required: false })
  max_entries?: number;
  /** With `no_profile_photo`: why there is none yet, when an upload is the reason. */
  @ApiPropertyOptional({ enum: ['processing', 'rejected'] })
  photo_status?: 'processing' | 'rejected';
}
