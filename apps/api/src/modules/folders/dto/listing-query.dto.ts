import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import type { SortKey, SortOrder } from '@app/db';
import { PageQueryDto } from '../../items';

export const SORT_KEYS: SortKey[] = ['name', 'created_at', 'last_interaction', 'size', 'type'];

export class ListingQueryDto extends PageQueryDto {
  /** What to order by (folders always come first; ties break by id). */
  @ApiPropertyOptional({ enum: SORT_KEYS, default: 'name' })
  @IsOptional()
  @IsIn(SORT_KEYS)
  sort_by: SortKey = 'name';

  /** `ASC` or `DESC`, in any case. */
  @ApiPropertyOptional({ enum: ['ASC', 'DESC'], default: 'ASC' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(['ASC', 'DESC'])
  order: SortOrder = 'ASC';
}
