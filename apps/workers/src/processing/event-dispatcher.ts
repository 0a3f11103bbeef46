import { Injectable, Logger } from '@nestjs/common';
import { decodeS3Key, isObjectCreated, S3EventRecord } from '@app/contracts';
import { UploadProcessor } from './process-upload';

export interface RecordOutcome {
  key: string;
  outcome: string;
}

/** Hands each "object created" record of an S3-style event to the processor for its prefix. */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);

  constructor(private readonly uploads: UploadProcessor) {}

  /** Processes every record; throws the first failure after trying them all, so the event is retried. */
  async dispatch(records: S3EventRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = [];
    let failure: unknown;
    for (const record of records) {
      if (!isObjectCreated(record)) continue;
      // Decoded inside the try: a record with a malformed key fails on its own, not the records after it.
      let key = record.s3.object.key;
      try {
        key = decodeS3Key(key);
        const outcome = await this.uploads.process(key);
        outcomes.push({ key, outcome });
        if (outcome !== 'ignored') this.logger.log(`${key}: ${outcome}`);
      } catch (error) {
        this.logger.error(`${key}: ${error instanceof Error ? error.message : String(error)}`);
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return outcomes;
  }
}
