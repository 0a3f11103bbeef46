/** `watch`: the caller's changes as they happen (GET /events), from now or from a cursor. */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, serverSentEvents, unwrap, type Change } from '@app/sdk';
import type { Context } from '../context';
import { EXIT } from '../errors';

/** Waits before connecting again after the stream ended (the server ends each after a while, or a proxy cut it). */
const RECONNECT_MS = 1000;

export interface WatchOptions {
  /** A cursor (of GET /changes, or a change's): start after it rather than from now. */
  since?: string;
  /** Stop after this many changes (scripts, tests). */
  count?: number;
}

/** One line per change; with --json, the change as the API gives it, one per line. */
export async function watch(ctx: Context, options: WatchOptions): Promise<number> {
  const client = ctx.client();
  let cursor = options.since ?? (await unwrap(client.GET('/changes', { params: { query: {} } }))).cursor;
  let seen = 0;
  for (;;) {
    const { response, error } = await client.GET('/events', {
      params: { query: { cursor } },
      parseAs: 'stream',
    });
    if (!response.ok || !response.body) throw ApiError.from(response, error);
    for await (const event of serverSentEvents(response.body)) {
      if (event.event === 'cursor_expired') {
        cursor = (JSON.parse(event.data) as { cursor: string }).cursor;
        ctx.output.note('Changes were missed (the cursor is older than the server keeps): list afresh.');
        ctx.output.event({ type: 'cursor_expired', cursor }, () => 'cursor expired');
        continue;
      }
      if (event.event !== 'change') continue;
      const change = JSON.parse(event.data) as Change;
      cursor = change.cursor;
      ctx.output.event(change as unknown as Record<string, unknown>, () => describe(change));
      if (options.count !== undefined && ++seen >= options.count) return EXIT.ok;
    }
    await sleep(RECONNECT_MS);
  }
}

function describe(change: Change): string {
  const what = change.item ? `${change.item.kind} ${change.item.name}` : '';
  const permission = change.permission ? ` (${change.permission})` : '';
  return `${new Date(change.at).toISOString()}  ${change.type.padEnd(18)} ${what}${permission}`.trimEnd();
}
