import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Keyset pagination, as every listing takes it. */
export class PageQueryDto {
  /** Items per page, 1 to 1000. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  /** The `next_cursor` of the previous page (of the same listing and order). */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}
