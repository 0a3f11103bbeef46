import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { encodeS3Key, S3EventRecord } from '@app/contracts';
import { createWorkersContext } from '../../apps/workers/src/bootstrap';
import { EventDispatcher } from '../../apps/workers/src/processing/event-dispatcher';
import { S3rverInstance, startS3rver } from '../../libs/testing/src/s3rver';
import { startTestApp, TestApp } from './test-app';

/** What a suite run on either store is given: the app's environment for the store, and how to stop it. */
export interface StoreUnderTest {
  env: Record<string, string>;
  /** The S3 server, when the store is one. */
  server?: S3rverInstance;
  close?: () => Promise<void>;
}

/**
 * A real S3 server (s3rver) on a directory of its own, with `bucket` made: the environment that points the app at it,
 * and a close that stops it and removes its files. The suite must apply s3rver's patches (libs/testing/src/s3rver.ts).
 */
export async function s3rverStore(bucket: string): Promise<StoreUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), `clouddrive-${bucket}-s3-`));
  const s3rver: { server: S3rverInstance; env: Record<string, string> } = await startS3rver(directory, bucket);
  return {
    env: s3rver.env,
    server: s3rver.server,
    close: async () => {
      await s3rver.server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The app on s3rver, its workers fed by the bucket's events as Lambda would be; what they fail at, and how to stop. */
export interface AppWithWorkers {
  t: TestApp;
  /** Failures of the workers' handling of events (none is expected). */
  failures: unknown[];
  close(): Promise<void>;
}

/**
 * The API on a fresh s3rver bucket, and the workers in this process taking s3rver's event records (their keys
 * URL-encoded, as AWS sends them; s3rver sends them as they are). The suite must apply s3rver's patches.
 */
export async function appOnS3rverWithWorkers(
  bucket: string,
  env: Record<string, string> = {},
): Promise<AppWithWorkers> {
  const store = await s3rverStore(bucket);
  const t = await startTestApp({ ...store.env, ...env });
  const config: AppConfig = { ...t.config, workers: { ...t.config.workers, apiUrl: await t.app.getUrl() } };
  const workers: INestApplicationContext = await createWorkersContext(config);
  const dispatcher = workers.get(EventDispatcher);
  const handling = new Set<Promise<unknown>>();
  const failures: unknown[] = [];
  const asAws = (record: S3EventRecord): S3EventRecord => ({
    ...record,
    s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) } },
  });
  store.server!.on('event', (event: { Records: S3EventRecord[] }) => {
    const work = dispatcher.dispatch(event.Records.map(asAws)).catch((error: unknown) => failures.push(error));
    handling.add(work);
    void work.finally(() => handling.delete(work));
  });
  return {
    t,
    failures,
    close: async () => {
      await Promise.all(handling);
      await workers.close();
      await t.close();
      await store.close!();
    },
  };
}
