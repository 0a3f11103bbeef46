import { ApiProperty } from '@nestjs/swagger';
import { ItemDto, UploadDto } from '../../items';
import { ProblemDto } from '../../../common/openapi/problem.dto';
import { ApiInteger } from '../../../common/openapi/api-types';

export class FileUploadDto {
  /** The file, pending until its bytes arrive (for a `Replace`, the existing file, unchanged until then). */
  file: ItemDto;
  upload: UploadDto;
}

export class UploadResultDto {
  /** The item's position in the request. */
  @ApiInteger()
  index: number;
  /** The HTTP status this item alone would have had (201, 404, 409, 413, 422, 507…). */
  @ApiInteger()
  status: number;
  @ApiProperty({ type: ItemDto, required: false })
  file?: ItemDto;
  @ApiProperty({ type: UploadDto, required: false })
  upload?: UploadDto;
  @ApiProperty({ type: ProblemDto, required: false })
  error?: ProblemDto;
}

export class UploadResultsDto {
  /** One per requested file, in order. */
  results: UploadResultDto[];
}
