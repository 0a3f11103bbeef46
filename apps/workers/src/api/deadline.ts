import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time (epoch ms) by which the work of the current invocation must be done, carried through its async calls:
 * a Lambda invocation's end less a margin, so that the API client gives up in time for the function to report
 * the failure (and S3's asynchronous invocation to retry it) rather than be killed by its timeout.
 */
const invocationDeadline = new AsyncLocalStorage<number>();

export function withDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return invocationDeadline.run(deadline, work);
}

export function currentDeadline(): number | undefined {
  return invocationDeadline.getStore();
}
