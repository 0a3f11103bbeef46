import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { isUnavailable } from '@app/contracts';
import {
  ChangesRepository,
  PreviewsRepository,
  QuotaRepository,
  Transactions,
  UploadsRepository,
  UsersRepository,
} from '@app/db';
import { ObjectStorage, objectKeys, parseFileKey, parsePreviewKey } from '@app/storage';
import { ChangeLog } from '../changes';
import { ConfirmationsService } from '../internal/confirmations.service';
import { TrashService } from '../trash/trash.service';
import { VersionsService } from '../versions/versions.service';

export interface ReconcileReport {
  confirmed: number;
  expired: number;
  purged: number;
  orphansDeleted: number;
  previewsAbandoned: number;
  /** Temporary files of uploads cut off by a crash (the embedded store's). */
  partsRemoved: number;
  /** Versions beyond the retention (VERSIONS_MAX_COUNT, VERSIONS_MAX_DAYS), their bytes freed. */
  versionsDropped: number;
  /** Logged-out tokens forgotten once expired (the signature check refuses them from then on). */
  revocationsForgotten: number;
  /** Changes older than the change log's retention, and event tickets never used. */
  changesForgotten: number;
}

/** How long an upload is left alone after its URL was handed out, so the event has a chance first. */
const EVENT_HEADSTART_MS = 60_000;
const BATCH = 100;
/**
 * How long a preview may stay pending before it is called failed: far beyond a worker's retries (Lambda's two,
 * over a few minutes), so only a preview no worker will finish is given up on.
 */
const PREVIEW_DEADLINE_MS = 60 * 60_000;
/** Expired revoked tokens forgotten per run: rows are tiny, and a busy day's logouts should not pile up. */
const REVOCATION_BATCH = 10_000;
/** Objects looked at per run when hunting orphans; the scan resumes where it stopped. */
const ORPHAN_SCAN_PAGE = 1000;

/**
 * Settles what events missed (S3 events are at-least-once and can be lost): uploads whose bytes arrived
 * without an event are confirmed, uploads that never arrived are forgotten and their quota freed, old trash
 * is purged, versions beyond the retention are dropped, objects no row points at are removed, previews no worker finished are called failed, and the
 * parts of uploads a crash cut off are removed (at start too). Every step is conditional on the row's state, so
 * two replicas running it at once do each thing once. Logged-out tokens are forgotten once they have expired.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReconcileReport>;
  /** Where each prefix's orphan scan resumes. */
  private readonly orphanScanAfter = new Map<string, string | undefined>();

  constructor(
    private readonly transactions: Transactions,
    private readonly uploads: UploadsRepository,
    private readonly previews: PreviewsRepository,
    private readonly quota: QuotaRepository,
    private readonly users: UsersRepository,
    private readonly changes: ChangesRepository,
    private readonly changeLog: ChangeLog,
    private readonly storage: ObjectStorage,
    private readonly confirmations: ConfirmationsService,
    private readonly trash: TrashService,
    private readonly versions: VersionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // What a crash left half uploaded goes at start, whether or not the reconciler runs on a timer.
    void this.removeStaleParts(new Date()).catch((error: unknown) =>
      this.logger.warn(`Could not remove interrupted uploads: ${String(error)}`),
    );
    const seconds = this.config.drive.reconcileIntervalSeconds;
    if (seconds > 0) this.timer = setInterval(() => void this.run().catch(() => undefined), seconds * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; a pass already under way is joined rather than doubled. */
  run(now = new Date()): Promise<ReconcileReport> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: Date): Promise<ReconcileReport> {
    try {
      const { confirmed, expired } = await this.settleUploads(now);
      const purged = await this.trash.purgeExpired(BATCH, now);
      const versionsDropped = await this.versions.dropExpired(BATCH, now);
      const orphansDeleted = await this.removeOrphans(now);
      const previewsAbandoned = await this.transactions.run(async () => {
        const abandoned = await this.previews.abandonPreviews(new Date(now.getTime() - PREVIEW_DEADLINE_MS), BATCH);
        // Clients waiting for these previews hear that none is coming.
        await this.changeLog.items('preview_failed', abandoned.fileIds);
        return abandoned.count;
      });
      const partsRemoved = await this.removeStaleParts(now);
      const revocationsForgotten = await this.users.forgetExpiredRevocations(now, REVOCATION_BATCH);
      const changesForgotten =
        (await this.changes.purgeBefore(
          new Date(now.getTime() - this.config.changes.retentionHours * 3600_000),
          REVOCATION_BATCH,
        )) + (await this.changes.purgeExpiredTickets(now));
      const report = {
        confirmed,
        expired,
        purged,
        versionsDropped,
        orphansDeleted,
        previewsAbandoned,
        partsRemoved,
        revocationsForgotten,
        changesForgotten,
      };
      if (Object.values(report).some((count) => count > 0)) this.logger.log(`Reconciled: ${JSON.stringify(report)}`);
      return report;
    } catch (error) {
      // A database or store that is down is no bug: the next pass does what this one could not.
      if (isUnavailable(error)) this.logger.warn(`Reconciliation postponed: ${(error as Error).message}`);
      else this.logger.error(`Reconciliation failed: ${error instanceof Error ? error.stack : String(error)}`);
      throw error;
    }
  }

  private async settleUploads(now: Date): Promise<{ confirmed: number; expired: number }> {
    const { uploadUrlTtlSeconds } = this.config.storage;
    const pending = await this.uploads.pendingUploads(
      new Date(now.getTime() - EVENT_HEADSTART_MS),
      uploadUrlTtlSeconds,
      BATCH,
    );
    let confirmed = 0;
    let expired = 0;
    for (const file of pending) {
      const key = file.uploadKey!;
      const head = await this.storage.head(key);
      if (head) {
        // The bytes are there but no event came: the type is the one they were uploaded with, unsniffed, so
        // no preview is promised for it.
        await this.confirmations.confirmFileUpload(
          {
            file_id: file.id,
            size_in_bytes: head.sizeBytes,
            content_type: head.contentType ?? file.uploadContentType ?? 'application/octet-stream',
            object_key: key,
          },
          { sniffed: false },
        );
        confirmed++;
      } else if (file.uploadExpiresAt!.getTime() + this.config.drive.uploadGraceSeconds * 1000 < now.getTime()) {
        const forgotten = await this.transactions.run(async () => {
          await this.changeLog.unheard([file.id]); // the upload leaves the listings, its reservation the quota
          const released = await this.uploads.forgetUpload(file.id, key);
          if (released) await this.quota.release(released.ownerId, released.reserved);
          return released;
        });
        if (forgotten) expired++;
      }
    }
    return { confirmed, expired };
  }

  /**
   * Objects no row points at, older than an upload URL's life: left by failures. Under files/, bytes of no file
   * and no upload in flight; under previews/, previews that neither a file nor a version names (any more).
   */
  private async removeOrphans(now: Date): Promise<number> {
    const oldEnough = this.beyondUploads(now).getTime();
    const files = await this.scan(objectKeys.filesPrefix, oldEnough, async (keys) => {
      const ids = keys.map((key) => parseFileKey(key)?.fileId).filter((id): id is string => !!id);
      const referenced = ids.length > 0 ? await this.uploads.referencedKeys([...new Set(ids)]) : new Set<string>();
      return keys.filter((key) => !referenced.has(key));
    });
    const previews = await this.scan(objectKeys.previewsPrefix, oldEnough, async (keys) => {
      const ids = keys.map((key) => parsePreviewKey(key)?.fileId).filter((id): id is string => !!id);
      const kept = ids.length > 0 ? await this.previews.referencedPreviewKeys([...new Set(ids)]) : new Set<string>();
      return keys.filter((key) => !kept.has(key));
    });
    return files + previews;
  }

  /**
   * Parts of uploads that never finished, last written longer ago than an upload URL lives: no live upload is
   * cut (one that writes keeps its part fresh).
   */
  private removeStaleParts(now: Date): Promise<number> {
    return this.storage.removeStaleParts(this.beyondUploads(now));
  }

  /** Before this, no upload URL handed out is alive any more (with the grace period). */
  private beyondUploads(now: Date): Date {
    const { uploadUrlTtlSeconds } = this.config.storage;
    return new Date(now.getTime() - (uploadUrlTtlSeconds + this.config.drive.uploadGraceSeconds) * 1000);
  }

  /** One page of objects under `prefix` (resuming where the last run stopped): deletes those `orphansOf` names. */
  private async scan(
    prefix: string,
    oldEnough: number,
    orphansOf: (keys: string[]) => Promise<string[]>,
  ): Promise<number> {
    const page = await this.storage.list(prefix, { after: this.orphanScanAfter.get(prefix), limit: ORPHAN_SCAN_PAGE });
    this.orphanScanAfter.set(prefix, page.next);
    const candidates = page.objects
      // An object whose age storage does not tell is left alone.
      .filter((object) => (object.lastModified?.getTime() ?? Number.POSITIVE_INFINITY) < oldEnough)
      .map((object) => object.key);
    const orphans = candidates.length > 0 ? await orphansOf(candidates) : [];
    await this.storage.delete(orphans);
    return orphans.length;
  }
}
