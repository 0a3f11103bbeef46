import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkersConfig } from '@app/config';
import {
  FilePreviewConfirmation,
  PreviewConfirmed,
  PreviewStatus,
  ProfilePictureConfirmation,
  ProfilePictureConfirmed,
} from '@app/contracts';
import { Backoff, OUTAGE_BACKOFF, OutOfTimeError, withRetries } from '../processing/retry';
import { currentDeadline } from './deadline';

export interface FileUploadConfirmation {
  file_id: string;
  size_in_bytes: number;
  content_type: string;
  object_key: string;
}

/** The API's answer to an upload confirmation: what became of the file, and whether a preview is wanted. */
export interface UploadConfirmed {
  status: 'confirmed' | 'rejected';
  preview_status: PreviewStatus;
  /** The file's type as recorded (sniffed from its bytes): what its preview is made from. */
  content_type: string | null;
  /** Where the preview is to be stored (with `preview_status: pending`). */
  preview_key: string | null;
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }

  /** Worth trying again: the API or the network had trouble, or the bytes are not visible yet. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.code === 'upload_missing';
  }

  /** The API, or what it depends on, is down or out of reach (not a bug of its own): worth waiting out. */
  get outage(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** Any other transient failure (a 500, a 429, bytes not visible yet): a few tries. */
const HICCUP_BACKOFF: Backoff = { attempts: 4, firstMs: 200, maxMs: 800 };
/** One attempt's longest wait for an answer. */
const ATTEMPT_TIMEOUT_MS = 10_000;

const backoffOf = (error: unknown): Backoff | undefined => {
  if (!(error instanceof ApiCallError) || !error.transient) return undefined;
  return error.outage ? OUTAGE_BACKOFF : HICCUP_BACKOFF;
};

/** The worker's only way to change anything: the API's internal endpoints, with the shared secret. */
@Injectable()
export class ApiClient {
  private readonly logger = new Logger(ApiClient.name);

  constructor(@Inject(APP_CONFIG) private readonly config: WorkersConfig) {}

  confirmFileUpload(body: FileUploadConfirmation): Promise<UploadConfirmed> {
    return this.post('/confirm-file-upload', body) as Promise<UploadConfirmed>;
  }

  confirmFilePreview(body: FilePreviewConfirmation): Promise<PreviewConfirmed> {
    return this.post('/confirm-file-preview', body) as Promise<PreviewConfirmed>;
  }

  confirmProfilePicture(body: ProfilePictureConfirmation): Promise<ProfilePictureConfirmed> {
    return this.post('/confirm-profile-picture', body) as Promise<ProfilePictureConfirmed>;
  }

  /**
   * POSTs with retries and exponential backoff on transient failures, for longer while the API answers 503 or
   * cannot be reached (its database or store restarting); throws ApiCallError otherwise. The whole call, its
   * attempts and waits, stays within the retry budget and the invocation's deadline, whichever comes first.
   */
  private async post(path: string, body: unknown): Promise<unknown> {
    const deadline = Math.min(Date.now() + this.config.workers.apiRetryBudgetMs, currentDeadline() ?? Infinity);
    try {
      return await withRetries(
        (left) => this.postOnce(path, body, Math.min(ATTEMPT_TIMEOUT_MS, left)),
        backoffOf,
        (error, next, of) => {
          this.logger.warn(`${path} failed (${(error as Error).message}); attempt ${next} of ${of} soon`);
        },
        deadline,
      );
    } catch (error) {
      if (error instanceof OutOfTimeError) throw new ApiCallError(0, undefined, `no time left for ${path}`);
      throw error;
    }
  }

  private async postOnce(path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const response = await fetch(this.config.workers.apiUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lambda-secret': this.config.auth.lambdaSecret },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw new ApiCallError(0, undefined, String(error));
    });
    const answer = (await response.json().catch(() => undefined)) as { code?: string; detail?: string } | undefined;
    if (!response.ok) {
      throw new ApiCallError(
        response.status,
        answer?.code,
        `${response.status} ${answer?.code ?? ''} ${answer?.detail ?? ''}`.trim(),
      );
    }
    return answer;
  }
}
