import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@app/contracts';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/current-user.decorator';
import { AcceptsTicket } from '../../common/auth/public.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ChangesService } from './changes.service';
import { ChangesPageDto, ChangesQueryDto, CURSOR, EventsQueryDto, EventTicketDto } from './dto/change.dto';

@ApiTags('changes')
@ApiBearerAuth('bearer')
@Controller()
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  /**
   * The caller's change feed: what happened to the items they can see (and to their shares and profile photo)
   * after `cursor`, oldest first, with the cursor to ask with next. Without a cursor: the latest one, and no
   * changes. A cursor older than the log's retention (`CHANGES_RETENTION_HOURS`) is 410 `cursor_expired`: list
   * afresh, then follow a new cursor.
   */
  @Get('changes')
  @ApiOkResponse({ type: ChangesPageDto })
  @ApiProblems('unauthorized', 'validation_failed', 'cursor_expired')
  listChanges(@CurrentUser() user: AuthenticatedUser, @Query() query: ChangesQueryDto): Promise<ChangesPageDto> {
    return this.changes.feed(user.id, query.cursor, query.limit);
  }

  /** A ticket that opens one event stream (`GET /events?ticket=…`) within a minute, for the browser's EventSource. */
  @Post('events/tickets')
  @HttpCode(201)
  @ApiCreatedResponse({ type: EventTicketDto })
  @ApiProblems('unauthorized')
  createEventTicket(@CurrentUser() user: AuthenticatedUser): Promise<EventTicketDto> {
    return this.changes.createTicket(user);
  }

  /**
   * The change feed live, as Server-Sent Events (`text/event-stream`): each change an event `change` whose `id` is
   * its cursor and whose data is the change (as in GET /changes); a comment every `EVENTS_HEARTBEAT_SECONDS`. A
   * browser reconnecting sends `Last-Event-ID` and gets what it missed. Authenticated by a bearer token or by
   * `?ticket=`. A cursor too old is told by one event `cursor_expired` (data: `{cursor}`), then the stream goes on
   * from now. The stream ends after `EVENTS_STREAM_MAX_SECONDS`; reconnect with a new ticket.
   */
  @Get('events')
  @AcceptsTicket()
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received.' })
  @ApiOkResponse({ description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiProblems('unauthorized', 'validation_failed', 'event_ticket_invalid')
  async streamEvents(
    @Req() request: FastifyRequest & { user?: AuthenticatedUser },
    @Res() reply: FastifyReply,
    @Query() query: EventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
  ): Promise<void> {
    if (lastEventId !== undefined && !CURSOR.test(lastEventId)) {
      throw AppError.validation([{ field: 'Last-Event-ID', message: 'is not a cursor of this feed' }]);
    }
    const userId = query.ticket !== undefined ? await this.changes.takeTicket(query.ticket) : request.user!.id;
    const stream = await this.changes.open(userId, lastEventId ?? query.cursor);
    reply.raw.on('close', () => stream.close());
    void reply
      .header('Content-Type', 'text/event-stream; charset=utf-8')
      .header('Cache-Control', 'no-store')
      // Proxies that buffer responses (nginx) would hold the events back.
      .header('X-Accel-Buffering', 'no')
      .send(stream.body);
  }
}
