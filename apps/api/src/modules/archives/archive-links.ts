import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '@app/contracts';

/** What a zip link grants: this user's view of this folder, until `expires` (epoch seconds). */
export interface ArchiveGrant {
  folderId: string;
  userId: string;
  expires: number;
}

/**
 * Signs and checks the links of folder zips. A link names the folder, the user and an expiry, signed with a key of
 * its own derived from JWT_SECRET: a browser follows it without a bearer token (none can go in a URL), and it is
 * good for nothing else. Access is judged again when it is followed.
 */
export class ArchiveLinks {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', jwtSecret, '', 'clouddrive folder zip links', 32));
  }

  sign(grant: ArchiveGrant): string {
    return createHmac('sha256', this.key).update(`${grant.folderId}\n${grant.userId}\n${grant.expires}`).digest('hex');
  }

  expiry(ttlSeconds: number): number {
    return Math.ceil(this.now() / 1000) + ttlSeconds;
  }

  /** The grant, when the signature is this server's and the link has not expired. */
  verify(grant: ArchiveGrant, signature: string): ArchiveGrant {
    const expected = Buffer.from(this.sign(grant), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('archive_link_invalid', 'This zip link is not valid.');
    }
    if (grant.expires * 1000 < this.now()) {
      throw new AppError('archive_link_expired', 'This zip link has expired: ask for a new one.');
    }
    return grant;
  }
}
