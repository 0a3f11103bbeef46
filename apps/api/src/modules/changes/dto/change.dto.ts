import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CHANGE_KINDS, ChangeKind } from '@app/db';
import { ApiUuid } from '../../../common/openapi/api-types';

/** A cursor of a change feed: opaque to clients (today the number of the last change read). */
export const CURSOR = /^\d{1,15}$/;
const NOT_A_CURSOR = { message: 'is not a cursor of this feed' };

export class ChangesQueryDto {
  /**
   * The `cursor` of the previous answer, or the `id` of the last event a stream delivered. Absent: the answer has no
   * changes and the feed's latest cursor (take it before listing a folder, then follow it).
   */
  @IsOptional()
  @IsString()
  @Matches(CURSOR, NOT_A_CURSOR)
  cursor?: string;

  /** Changes per answer, 1 to 1000. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 500;
}

/** The item a change is about, as the user it is addressed to saw it then. */
export class ChangeItemDto {
  @ApiUuid()
  id: string;
  @ApiProperty({ enum: ['file', 'folder'] })
  kind: 'file' | 'folder';
  name: string;
  /** Its folder, when the user can see that folder (null at a root, and for an item shared by itself). */
  @ApiUuid({ nullable: true })
  parent_folder_id: string | null;
}

export class ChangeDto {
  /** Where the feed stands after this change: a cursor for GET /changes, and the event's `id` in a stream. */
  cursor: string;
  @ApiProperty({ enum: CHANGE_KINDS })
  type: ChangeKind;
  /** When the change was made. */
  at: Date;
  /** The item; null for a change that is about no item (`profile_photo_ready`). */
  @ApiProperty({ type: ChangeItemDto, nullable: true })
  item: ChangeItemDto | null;
  /** A share's permission, for `share_added` and `share_changed`; else null. */
  @ApiProperty({ enum: ['view', 'edit'], nullable: true })
  permission: 'view' | 'edit' | null;
}

export class ChangesPageDto {
  /** The changes after the cursor given, oldest first. */
  changes: ChangeDto[];
  /** Give it back to read on from here. */
  cursor: string;
  /** More changes are waiting: ask again at once with `cursor`. */
  has_more: boolean;
}

export class EventTicketDto {
  /** Opens one stream: `GET /events?ticket=…`. Valid once. */
  ticket: string;
  expires_at: Date;
}

export class EventsQueryDto {
  /** A ticket of POST /events/tickets, for clients that cannot send an Authorization header (EventSource). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  ticket?: string;

  /**
   * Where to start: the stream first sends the changes after it. The `Last-Event-ID` header, which a browser sends
   * by itself when it reconnects, takes precedence. Absent both: from now on.
   */
  @IsOptional()
  @IsString()
  @Matches(CURSOR, NOT_A_CURSOR)
  cursor?: string;
}
