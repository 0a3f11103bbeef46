import { Injectable } from '@nestjs/common';
import { SqlRepository } from '../transactions';

/**
 * A user's storage quota: `used_bytes` (confirmed files) and `reserved_bytes` (uploads on their way) within
 * `quota_bytes`. Bytes move in four plain steps, each one statement: `reserve` when an upload is asked for,
 * `release` when it is refused, superseded or forgotten, `commit` when its bytes are confirmed (reserved → used),
 * `free` when stored bytes go (a purge, the old bytes of a replacement). Each takes a count of bytes ≥ 0.
 */
@Injectable()
export class QuotaRepository extends SqlRepository {
  /**
   * Reserves `bytes` for an upload if they fit beside what is used and reserved; answers whether they did. One
   * conditional UPDATE: concurrent reservations cannot overshoot the quota.
   */
  async reserve(userId: string, bytes: number): Promise<boolean> {
    return (
      (await this.affected(
        `UPDATE users SET reserved_bytes = reserved_bytes + $2
          WHERE id = $1 AND used_bytes + reserved_bytes + $2 <= quota_bytes`,
        [userId, count(bytes)],
      )) === 1
    );
  }

  /** Gives back bytes reserved for an upload that will not be confirmed. */
  async release(userId: string, bytes: number): Promise<void> {
    await this.shift(userId, { reserved: -count(bytes), used: 0 });
  }

  /** An upload's reserved bytes are confirmed: they are used now. */
  async commit(userId: string, bytes: number): Promise<void> {
    await this.shift(userId, { reserved: -count(bytes), used: count(bytes) });
  }

  /** Stored bytes are gone: they no longer count. */
  async free(userId: string, bytes: number): Promise<void> {
    await this.shift(userId, { reserved: 0, used: -count(bytes) });
  }

  /** The bytes the user may still reserve, with their row locked until the transaction ends. */
  async lockAvailable(userId: string): Promise<number> {
    const rows = await this.rows(
      `SELECT quota_bytes - used_bytes - reserved_bytes AS available FROM users WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    return Number(rows[0]?.available ?? 0);
  }

  private async shift(userId: string, change: { reserved: number; used: number }): Promise<void> {
    if (change.reserved === 0 && change.used === 0) return;
    await this.db.query(
      `UPDATE users SET reserved_bytes = reserved_bytes + $2, used_bytes = used_bytes + $3 WHERE id = $1`,
      [userId, change.reserved, change.used],
    );
  }
}

/** A number of bytes: the sign is the step's, never the caller's (a negative count is a bug, not a refund). */
function count(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`Not a count of bytes: ${bytes}`);
  return bytes;
}
