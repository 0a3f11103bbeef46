import { ApiProperty } from '@nestjs/swagger';
import { ItemDto, PageQueryDto } from '../../items';

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

/** A page of the trash. */
export class TrashQueryDto extends PageQueryDto {}
