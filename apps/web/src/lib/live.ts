/**
 * The tab's one live connection to the change feed (GET /events, Server-Sent Events), open while signed in.
 *
 * EventSource cannot send the token, so each stream is opened with a single-use ticket (POST /events/tickets). The
 * browser's own reconnection would reuse the spent ticket and be refused, so on any error the stream is closed here
 * and a new one opened with a new ticket, resuming from the last event's id (`cursor`): nothing is missed while it
 * is down. Screens listen with `useChanges` and refresh what they show when a change concerns it.
 */
import { useEffect, useRef } from 'react';
import type { Change } from '@app/sdk';
import { api, unwrap } from '../api/client';

export type { Change };

/** A change, or null when the feed lost track (`cursor_expired`): whatever is shown must be fetched again. */
type Listener = (change: Change | null) => void;

const listeners = new Set<Listener>();
/** Reconnection waits 1 s, 2 s, 4 s… up to this, with jitter, until a stream opens again. */
const MAX_BACKOFF_MS = 30_000;

let running = false;
let source: EventSource | null = null;
let cursor: string | null = null;
let failures = 0;
let timer: number | undefined;
/** Bumped at every stop, so that a connection attempt in flight from an earlier session gives up. */
let epoch = 0;

function tell(change: Change | null): void {
  for (const listener of [...listeners]) listener(change);
}

async function connect(): Promise<void> {
  const mine = epoch;
  timer = undefined;
  try {
    // The first stream starts from the feed's latest cursor, so a drop before any event still resumes from there.
    const [ticket, latest] = await Promise.all([
      unwrap(api.POST('/events/tickets')),
      cursor === null ? unwrap(api.GET('/changes')) : null,
    ]);
    if (mine !== epoch) return;
    cursor ??= latest!.cursor;
    const query = new URLSearchParams({ ticket: ticket.ticket, cursor });
    const opened = new EventSource(`/events?${query}`);
    source = opened;
    opened.onopen = () => {
      failures = 0;
    };
    opened.addEventListener('change', (event) => {
      cursor = event.lastEventId || cursor;
      tell(JSON.parse(event.data) as Change);
    });
    opened.addEventListener('cursor_expired', (event) => {
      cursor = (JSON.parse(event.data) as { cursor: string }).cursor;
      tell(null);
    });
    // A drop, the stream's planned end, or a refused ticket: this EventSource is spent.
    opened.onerror = () => {
      opened.close();
      if (source === opened) source = null;
      retry();
    };
  } catch {
    // The API is out of reach (a 401 signs out, which stops all this).
    if (mine === epoch) retry();
  }
}

function retry(): void {
  if (!running || timer !== undefined) return;
  const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
  failures++;
  timer = window.setTimeout(() => void connect(), ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Opens the stream (signed in); the function returned closes it and forgets the cursor (signed out). */
export function startLive(): () => void {
  running = true;
  failures = 0;
  void connect();
  return () => {
    running = false;
    epoch++;
    window.clearTimeout(timer);
    timer = undefined;
    source?.close();
    source = null;
    cursor = null;
  };
}

// Back online: try at once rather than at the end of a long backoff.
window.addEventListener('online', () => {
  if (!running || timer === undefined) return;
  window.clearTimeout(timer);
  timer = undefined;
  failures = 0;
  void connect();
});

export function onChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Calls `refresh` when a change `concerns` what the screen shows (or when the feed lost track), at most once per
 * `delayMs`: a burst of changes (a folder of uploads confirmed, their previews made) costs one fetch, not one each.
 * Both functions are read at each change, so they may close over the latest state.
 */
export function useChanges(concerns: (change: Change) => boolean, refresh: () => void, delayMs = 250): void {
  const latest = useRef({ concerns, refresh });
  useEffect(() => {
    latest.current = { concerns, refresh };
  });
  useEffect(() => {
    let pending: number | undefined;
    const stop = onChange((change) => {
      if (pending !== undefined || (change !== null && !latest.current.concerns(change))) return;
      pending = window.setTimeout(() => {
        pending = undefined;
        latest.current.refresh();
      }, delayMs);
    });
    return () => {
      stop();
      window.clearTimeout(pending);
    };
  }, [delayMs]);
}

/** The most one page of a listing may hold (the API's bound). */
const MAX_PAGE = 1000;

/**
 * How many items to fetch again, from the top, when a change is heard: as many as are shown (at least a first page),
 * so that a refresh while scrolled far down keeps the place.
 */
export function refreshLimit(shown: number, firstPage: number): number {
  return Math.min(MAX_PAGE, Math.max(firstPage, shown));
}
