import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { loadWorkersConfig, withSecretsFromAws } from '@app/config';
import type { S3Event } from '@app/contracts';
import { withDeadline } from '../api/deadline';
import { createWorkersContext } from '../bootstrap';
import { EventDispatcher, HandledPrefix, RecordOutcome } from '../processing/event-dispatcher';

/** What the handler reads of Lambda's context object. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Left at the end of an invocation for the failure to be logged and reported before Lambda's timeout. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * A Lambda entry point for S3 event notifications on some prefixes. The Nest context is made on the first
 * event and kept for the life of the warm instance (a failed start is tried again on the next event). A
 * failed record makes the invocation fail, so that S3's asynchronous invocation retries it and, after its
 * retries, sends it to the dead-letter destination. The calls to the API end in time for that: the invocation's
 * remaining time, less a margin, is their deadline.
 */
export function createS3Handler(
  prefixes: readonly HandledPrefix[],
): (event: S3Event, invocation?: LambdaContext) => Promise<RecordOutcome[]> {
  let context: Promise<INestApplicationContext> | undefined;
  return async (event, invocation) => {
    context ??= startContext().catch((error: unknown) => {
      context = undefined;
      throw error;
    });
    const dispatcher = (await context).get(EventDispatcher);
    const dispatch = () => dispatcher.dispatch(event.Records ?? [], prefixes);
    if (!invocation) return dispatch();
    return withDeadline(Date.now() + invocation.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS, dispatch);
  };
}

async function startContext(): Promise<INestApplicationContext> {
  const config = loadWorkersConfig(await withSecretsFromAws());
  return createWorkersContext(config);
}
