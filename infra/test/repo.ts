import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's root: the Docker build context, and where the deployment files live. */
export const repoRoot = resolve(__dirname, '..', '..');

export function repoFile(...path: string[]): string {
  return readFileSync(join(repoRoot, ...path), 'utf8');
}
