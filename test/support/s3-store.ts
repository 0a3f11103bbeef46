import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3rverInstance, startS3rver } from '../../libs/testing/src/s3rver';

/** What a suite run on either store is given: the app's environment for the store, and how to stop it. */
export interface StoreUnderTest {
  env: Record<string, string>;
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
    close: async () => {
      await s3rver.server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
