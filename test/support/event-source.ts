/**
 * A client of `text/event-stream` over plain node:http, parsing events as a browser's EventSource does (id, event,
 * data, comments), so that tests can wait for what a stream sends.
 */
import { request, IncomingMessage } from 'node:http';

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface OpenStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** Everything received so far. */
  events: StreamEvent[];
  comments: string[];
  /** The raw body, when the answer was not a stream (an error). */
  body(): Promise<string>;
  /** Waits until `count` events matching `which` have arrived (a bound on the wait, not on time): those events. */
  next(which: (event: StreamEvent) => boolean, count?: number, timeoutMs?: number): Promise<StreamEvent[]>;
  /** Waits until the server ends the stream. */
  ended(timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openEvents(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const events: StreamEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: StreamEvent = { id: undefined, event: 'message', data: '' };
          let hasField = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') event.id = value;
            if (field === 'event') event.event = value;
            if (field === 'data') event.data += (event.data ? '\n' : '') + value;
            if (field === 'id' || field === 'event' || field === 'data') hasField = true;
          }
          if (hasField && (event.data || event.event !== 'message')) events.push(event);
        }
        for (const wake of waiters) wake();
      });
      res.on('close', () => {
        done = true;
        for (const wake of waiters) wake();
      });
      const waitFor = <T>(ready: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
        new Promise((resolveWait, rejectWait) => {
          const check = (): void => {
            const value = ready();
            if (value !== undefined) {
              cleanup();
              resolveWait(value);
            } else if (done) {
              cleanup();
              rejectWait(new Error(`The stream ended before ${what}; received ${JSON.stringify(events)}`));
            }
          };
          const timer = setTimeout(() => {
            cleanup();
            rejectWait(new Error(`Gave up waiting ${timeoutMs} ms for ${what}; received ${JSON.stringify(events)}`));
          }, timeoutMs);
          const cleanup = (): void => {
            clearTimeout(timer);
            waiters.delete(check);
          };
          waiters.add(check);
          check();
        });
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        events,
        comments,
        body: () => waitFor(() => (done ? raw : undefined), 'the end of the body', 10_000).catch(() => raw),
        next: (which, count = 1, timeoutMs = 10_000) =>
          waitFor(
            () => {
              const matching = events.filter(which);
              return matching.length >= count ? matching.slice(0, count) : undefined;
            },
            `${count} matching event(s)`,
            timeoutMs,
          ),
        ended: (timeoutMs = 10_000) =>
          new Promise<void>((resolveEnd, rejectEnd) => {
            if (done) return resolveEnd();
            const timer = setTimeout(() => rejectEnd(new Error('The stream did not end')), timeoutMs);
            res.once('close', () => {
              clearTimeout(timer);
              resolveEnd();
            });
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
