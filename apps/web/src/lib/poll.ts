/**
 * Polls `probe` until it answers something other than undefined, waiting between tries what the server
 * asked (Retry-After, seconds) or else a backoff from 0.5 s doubling to 8 s; stops when `signal` aborts.
 */
export async function pollWithBackoff<T>(
  probe: () => Promise<{ done: true; value: T } | { done: false; retryAfter?: number }>,
  signal: AbortSignal,
): Promise<T | undefined> {
  let delay = 500;
  while (!signal.aborted) {
    const answer = await probe();
    if (answer.done) return answer.value;
    const wait = answer.retryAfter ? Math.max(answer.retryAfter * 1000, delay) : delay;
    await new Promise((resolve) => setTimeout(resolve, wait));
    delay = Math.min(delay * 2, 8000);
  }
  return undefined;
}

export function retryAfterOf(response: Response): number | undefined {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
