import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AppError } from '@app/contracts';
import { ChangesRepository, FeedState, StoredChange, UsersRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { BatchedReads } from './batched-reads';
import { ChangeSignals } from './change-signals';
import { ChangeDto, ChangesPageDto, EventTicketDto } from './dto/change.dto';
import { EventStream } from './event-stream';
import { UserFeed } from './user-feed';

const cursorExpired = (): AppError =>
  new AppError(
    'cursor_expired',
    'The cursor is older than the change log keeps (or was never given): list afresh, then follow the latest cursor.',
  );

const ticketInvalid = (): AppError =>
  new AppError('event_ticket_invalid', 'The ticket is unknown, used, or expired: ask for a new one.');

/** The change feed (GET /changes), tickets, and the event streams open in this process. */
@Injectable()
export class ChangesService implements BeforeApplicationShutdown {
  private readonly streams = new Set<EventStream>();
  /** The users with a stream open here, each feed shared by that user's streams. */
  private readonly feeds = new Map<string, UserFeed>();
  /** The streams' reads of the log, those asked for together sent together. */
  private readonly reads: BatchedReads;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangesRepository,
    private readonly users: UsersRepository,
    private readonly signals: ChangeSignals,
  ) {
    this.reads = new BatchedReads((asks) => this.changes.changesAfterEach(asks));
  }

  /** The changes after `cursor`; without one, none and the latest cursor. */
  async feed(userId: string, cursor: string | undefined, limit: number): Promise<ChangesPageDto> {
    const state = await this.changes.feedState(userId);
    if (cursor === undefined) return { changes: [], cursor: String(state.lastSeq), has_more: false };
    const after = Number(cursor);
    if (isExpired(state, after)) throw cursorExpired();
    const rows = await this.changes.changesAfter(userId, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      changes: page.map(presentChange),
      cursor: String(page.at(-1)?.seq ?? after),
      has_more: rows.length > limit,
    };
  }

  /** A ticket to open one stream, for a client that cannot send the token (only its digest is kept). */
  async createTicket(user: AuthenticatedUser): Promise<EventTicketDto> {
    const account = await this.users.findById(user.id);
    if (!account) throw new AppError('unauthorized', 'A valid bearer token is required.');
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.changes.ticketTtlSeconds * 1000);
    await this.changes.createTicket(digestOf(ticket), user.id, account.tokenVersion, expiresAt);
    return { ticket, expires_at: expiresAt };
  }

  /** The user a ticket was made for, using it up; refused when used, expired, or voided by a logout everywhere. */
  async takeTicket(ticket: string): Promise<string> {
    const taken = await this.changes.takeTicket(digestOf(ticket));
    if (!taken || taken.expiresAt.getTime() <= Date.now()) throw ticketInvalid();
    const account = await this.users.findById(taken.userId);
    if (!account || account.tokenVersion !== taken.tokenVersion) throw ticketInvalid();
    return taken.userId;
  }

  /**
   * Opens a stream of the user's changes after `cursor` (from now on without one). A cursor too old for the log is
   * not refused (an EventSource would give up on an error): the stream says `cursor_expired` and goes on from now.
   */
  async open(userId: string, cursor: string | undefined): Promise<EventStream> {
    const state = await this.changes.feedState(userId);
    let after = cursor === undefined ? state.lastSeq : Number(cursor);
    let expired: { cursor: string } | undefined;
    if (isExpired(state, after)) {
      after = state.lastSeq;
      expired = { cursor: String(after) };
    }
    const stream = new EventStream(this.feedOf(userId), after, presentChange, () => this.streams.delete(stream));
    this.streams.add(stream);
    stream.start(
      {
        heartbeatMs: this.config.changes.heartbeatSeconds * 1000,
        maxMs: this.config.changes.streamMaxSeconds * 1000,
      },
      expired,
    );
    return stream;
  }

  private feedOf(userId: string): UserFeed {
    let feed = this.feeds.get(userId);
    if (!feed) {
      const made = new UserFeed(
        {
          changesAfter: (seq, limit) => this.reads.read(userId, seq, limit),
          subscribe: (signal) => this.signals.subscribe(userId, signal),
        },
        () => {
          if (this.feeds.get(userId) === made) this.feeds.delete(userId);
        },
      );
      this.feeds.set(userId, made);
      feed = made;
    }
    return feed;
  }

  /** How many streams are open in this process (health, the benchmark). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends every stream before the server closes, which waits for open responses (the clients reconnect elsewhere). */
  beforeApplicationShutdown(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

function isExpired(state: FeedState, after: number): boolean {
  return after < state.purgedSeq || after > state.lastSeq;
}

function digestOf(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

export function presentChange(change: StoredChange): ChangeDto {
  const permission = change.data?.permission;
  return {
    cursor: String(change.seq),
    type: change.kind,
    at: change.createdAt,
    item:
      change.itemId === null
        ? null
        : { id: change.itemId, kind: change.itemKind!, name: change.name!, parent_folder_id: change.parentFolderId },
    permission: permission === 'view' || permission === 'edit' ? permission : null,
  };
}
