import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig, withSecretsFromAws } from '@app/config';
import type { S3Event } from '@app/contracts';
import { createWorkersContext } from '../bootstrap';
import { EventDispatcher, HandledPrefix, RecordOutcome } from '../processing/event-dispatcher';

/**
 * A Lambda entry point for S3 event notifications on some prefixes. The Nest context is made on the first
 * event and kept for the life of the warm instance (a failed start is tried again on the next event). A
 * failed record makes the invocation fail, so that S3's asynchronous invocation retries it and, after its
 * retries, sends it to the dead-letter destination.
 */
export function createS3Handler(prefixes: readonly HandledPrefix[]): (event: S3Event) => Promise<RecordOutcome[]> {
  let context: Promise<INestApplicationContext> | undefined;
  return async (event) => {
    context ??= startContext().catch((error: unknown) => {
      context = undefined;
      throw error;
    });
    const dispatcher = (await context).get(EventDispatcher);
    return dispatcher.dispatch(event.Records ?? [], prefixes);
  };
}

async function startContext(): Promise<INestApplicationContext> {
  const config = loadConfig(await withSecretsFromAws(), 'workers');
  return createWorkersContext(config);
}
