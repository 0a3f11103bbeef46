import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsUUID,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ProblemDto } from '../../../common/openapi/problem.dto';
import { ApiInteger, ApiUuid } from '../../../common/openapi/api-types';
import { ItemDto } from '../../items';

export const MAX_BATCH_ITEMS = 1000;

/** One item of the drive, named as its own routes name it. */
export class BatchItemDto {
  @ApiProperty({ enum: ['file', 'folder'] })
  @IsIn(['file', 'folder'])
  kind: 'file' | 'folder';

  @ApiUuid()
  @IsUUID()
  id: string;
}

export class BatchItemsDto {
  /** 1 to 1,000 items, done in this order, each as its own request would be. */
  @ApiProperty({ type: [BatchItemDto], minItems: 1, maxItems: MAX_BATCH_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => BatchItemDto)
  items: BatchItemDto[];
}

/** Items and where they go: a move's body, and a copy's. */
export class BatchToFolderDto extends BatchItemsDto {
  /** Where they go: a folder id, or null for the root (of the caller's drive, for a copy). */
  @ApiUuid({ nullable: true })
  @IsDefined({ message: 'must be a folder id, or null for the root' })
  @ValidateIf((_, value) => value !== null)
  @IsUUID()
  parent_folder_id: string | null;
}

export class BatchMoveDto extends BatchToFolderDto {}

export class BatchCopyDto extends BatchToFolderDto {}

export class BatchTrashItemsDto {
  /** 1 to 1,000 ids of items in the caller's trash (as `GET /trash` lists them), done in this order. */
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_BATCH_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  @IsUUID(undefined, { each: true })
  item_ids: string[];
}

export class BatchResultDto {
  /** The item's position in the request. */
  @ApiInteger()
  index: number;
  /** The HTTP status this item alone would have had (200, 201, 204, 403, 404, 409, 413, 507…). */
  @ApiInteger()
  status: number;
  /** The item as it is now, when its own route answers with it (a move, a restore, the new item of a copy). */
  @ApiProperty({ type: ItemDto, required: false })
  item?: ItemDto;
  @ApiProperty({ type: ProblemDto, required: false })
  error?: ProblemDto;
}

export class BatchResultsDto {
  /** One per requested item, in order. */
  results: BatchResultDto[];
}
