import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** No permission for the group or others. */
const OWNER_ONLY_UMASK = 0o077;

/**
 * Keeps `dir` (the embedded mode's data: the database with its write-ahead log of e-mails and password hashes,
 * the secrets, the files) readable by this user only. PGlite writes through Node's fs with mode 0666, so the
 * process's umask is what decides: it is set to 0077 for the whole process (worker threads share it). Files left
 * open by an earlier version lose their group and other bits here, once per start.
 */
export function keepToOwner(dir: string): void {
  process.umask(OWNER_ONLY_UMASK);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  removeGroupAndOther(dir);
}

function removeGroupAndOther(path: string): void {
  const stats = lstatSync(path);
  // A symbolic link has no mode of its own to fix (chmod would change what it points to).
  if (stats.isSymbolicLink()) return;
  if ((stats.mode & OWNER_ONLY_UMASK) !== 0) chmodSync(path, stats.mode & 0o700);
  if (stats.isDirectory()) for (const entry of readdirSync(path)) removeGroupAndOther(join(path, entry));
}
