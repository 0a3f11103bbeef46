/**
 * The workers on a thread of the API's process (the embedded mode): the API posts the local store's
 * "object created" records here; the processing is the same as on Lambda or behind the HTTP receiver.
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkersConfig } from '@app/config';
import type { S3EventRecord } from '@app/contracts';
import { createWorkersContext } from './bootstrap';
import { EventDispatcher } from './processing/event-dispatcher';

export interface EmbeddedWorkersMessage {
  record: S3EventRecord;
  /** Where the API listens now (its port may have been chosen at random). */
  apiUrl: string;
}

async function run(): Promise<void> {
  const config = (workerData as { config: WorkersConfig }).config;
  const context = await createWorkersContext(config);
  const dispatcher = context.get(EventDispatcher);
  parentPort!.on('message', (message: EmbeddedWorkersMessage | 'stop') => {
    if (message === 'stop') {
      void context.close().then(() => parentPort!.postMessage('stopped'));
      return;
    }
    config.workers.apiUrl = message.apiUrl;
    // Failures are logged by the dispatcher; the reconciler settles what is left pending.
    dispatcher.dispatch([message.record]).catch(() => undefined);
  });
  parentPort!.postMessage('ready');
}

void run();
