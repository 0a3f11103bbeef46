import { isUnavailable } from '@app/contracts';

/** How often to try, and how long to wait between tries: `firstMs`, then twice that, … at most `maxMs`. */
export interface Backoff {
  attempts: number;
  firstMs: number;
  maxMs: number;
}

/** A hiccup: a few quick tries. */
export const BRIEF_BACKOFF: Backoff = { attempts: 3, firstMs: 200, maxMs: 800 };

/**
 * A dependency that is down (the API answering 503, the store unreachable): tries over ~12 s, enough to ride
 * out a database or a store restarting. Longer outages are left to the event's redelivery and the reconciler.
 */
export const OUTAGE_BACKOFF: Backoff = { attempts: 7, firstMs: 250, maxMs: 4000 };

/** The storage calls' policy: long for a store that is unavailable, brief for anything else. */
export const storageBackoff = (error: unknown): Backoff => (isUnavailable(error) ? OUTAGE_BACKOFF : BRIEF_BACKOFF);

/** No attempt is started with less time than this left before a deadline: it could not get an answer. */
export const MIN_ATTEMPT_MS = 500;

/** Thrown when a deadline leaves no time for (another) attempt. */
export class OutOfTimeError extends Error {
  constructor(what: string) {
    super(`no time left for ${what}`);
    this.name = 'OutOfTimeError';
  }
}

/**
 * Runs `attempt` until it succeeds or `backoffOf` the failure says to stop (undefined: do not retry it; or its
 * attempts are used up). For storage calls by default: the SDK retries a few throttles itself, but a store
 * restarting takes longer. `onRetry` hears of each failure that is tried again. With a `deadline` (epoch ms), each
 * attempt is told the time left, and no attempt or wait is started that could not end before it.
 */
export async function withRetries<T>(
  attempt: (timeLeftMs: number) => Promise<T>,
  backoffOf: (error: unknown) => Backoff | undefined = storageBackoff,
  onRetry?: (error: unknown, next: number, of: number) => void,
  deadline = Infinity,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    const left = deadline - Date.now();
    if (left < MIN_ATTEMPT_MS) throw new OutOfTimeError('this call');
    try {
      return await attempt(left);
    } catch (error) {
      const backoff = backoffOf(error);
      if (!backoff || tried >= backoff.attempts) throw error;
      const wait = Math.min(backoff.firstMs * 2 ** (tried - 1), backoff.maxMs);
      if (deadline - Date.now() - wait < MIN_ATTEMPT_MS) throw error;
      onRetry?.(error, tried + 1, backoff.attempts);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
