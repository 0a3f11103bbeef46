import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ItemDto } from '../../items';

export class TrashItemDto extends ItemDto {
  deleted_at: Date;
  /** When it will be deleted for good by itself. */
  purge_at: Date;
}

export class TrashPageDto {
  /** The top-level deleted items (a deleted folder stands for everything in it), most recent first. */
  items: TrashItemDto[];
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class TrashQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  /** The `next_cursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}
