import { Injectable, Logger } from '@nestjs/common';
import { decodeS3Key, isObjectCreated, isUnavailable, S3EventRecord } from '@app/contracts';
import { objectKeys } from '@app/storage';
import { ApiCallError } from '../api/api-client';
import { ProfilePhotoProcessor } from './process-profile-photo';
import { UploadProcessor } from './process-upload';

export interface RecordOutcome {
  key: string;
  outcome: string;
}

/** The prefixes the workers handle; a runner may be given only some (each Lambda function has its own). */
export const HANDLED_PREFIXES = [objectKeys.filesPrefix, objectKeys.profilePhotoOriginalPrefix] as const;
export type HandledPrefix = (typeof HANDLED_PREFIXES)[number];

const isCopy = (record: S3EventRecord): boolean => record.eventName.replace(/^s3:/, '') === 'ObjectCreated:Copy';

/** Hands each "object created" record of an S3-style event to the processor for its prefix. */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);

  constructor(
    private readonly uploads: UploadProcessor,
    private readonly profilePhotos: ProfilePhotoProcessor,
  ) {}

  /**
   * Processes every record whose key is under one of `prefixes`; throws the first failure after trying them
   * all, so that the event is delivered again (every step is idempotent).
   */
  async dispatch(
    records: S3EventRecord[],
    prefixes: readonly HandledPrefix[] = HANDLED_PREFIXES,
  ): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = [];
    let failure: unknown;
    for (const record of records) {
      // A copy is the API's own (POST /batch/copy), recorded by it once storage has copied: handled here, it could
      // reach the API before the copy's row does, and be deleted as bytes of no file.
      if (!isObjectCreated(record) || isCopy(record)) continue;
      // Decoded inside the try: a record with a malformed key fails on its own, not the records after it.
      let key = record.s3.object.key;
      try {
        key = decodeS3Key(key);
        const outcome = prefixes.some((prefix) => key.startsWith(prefix)) ? await this.process(key) : 'ignored';
        outcomes.push({ key, outcome });
        if (outcome !== 'ignored') this.logger.log(`${key}: ${outcome}`);
      } catch (error) {
        const message = `${key}: ${error instanceof Error ? error.message : String(error)}`;
        // A dependency that was down is no bug: the event is delivered again.
        if (isUnavailable(error) || (error instanceof ApiCallError && error.outage)) this.logger.warn(message);
        else this.logger.error(message);
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return outcomes;
  }

  private async process(key: string): Promise<string> {
    if (key.startsWith(objectKeys.profilePhotoOriginalPrefix)) return this.profilePhotos.process(key);
    const { upload, preview } = await this.uploads.process(key);
    return preview ? `${upload}, preview ${preview}` : upload;
  }
}
