import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { SortKey, SortOrder } from '@app/db';

export const SORT_KEYS: SortKey[] = ['name', 'created_at', 'last_interaction', 'size', 'type'];

export class ListingQueryDto {
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

  /** Items per page, 1 to 1000. */
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  /** The `next_cursor` of the previous page, with the same `sort_by` and `order`. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}
