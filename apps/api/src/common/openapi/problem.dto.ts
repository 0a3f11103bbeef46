import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  /** The field, as a dotted path into the body (`files.3.file_name`), or `body` for the body as a whole. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** An error, as RFC 9457 problem details (`application/problem+json`). */
export class ProblemDto {
  /** A URI naming the kind of problem: `urn:clouddrive:problem:<code>`. */
  type: string;
  /** A short summary of the kind of problem. */
  title: string;
  /** The HTTP status. */
  status: number;
  /** A sentence for a person about this occurrence. */
  detail: string;
  /** A stable snake_case string for programs to branch on. */
  @ApiProperty({ example: 'validation_failed' })
  code: string;
  /** With `validation_failed`: each field that is wrong. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}
