import type { User } from '@app/db';
import { ApiInteger } from '../../common/openapi/api-types';

// Shown by GET /user and at the root of GET /drive.

/** Where the account's storage stands. */
export class StorageFiguresDto {
  /** Bytes of confirmed files, the trash included. */
  @ApiInteger()
  used_storage_in_bytes: number;
  /** What is left, after what pending uploads have reserved. */
  @ApiInteger()
  available_storage_in_bytes: number;
  /** The quota. */
  @ApiInteger()
  total_storage_in_bytes: number;
}

export function storageFigures(user: User): StorageFiguresDto {
  return {
    used_storage_in_bytes: user.usedBytes,
    available_storage_in_bytes: Math.max(0, user.quotaBytes - user.usedBytes - user.reservedBytes),
    total_storage_in_bytes: user.quotaBytes,
  };
}
