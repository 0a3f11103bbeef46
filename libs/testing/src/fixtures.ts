import { join } from 'node:path';

/**
 * Third-party test images kept in the repository (each folder has its LICENSE and SOURCE.md): JPEGs with every
 * EXIF orientation (`exif-orientation/`) and the PNG suite, valid and corrupt (`pngsuite/`).
 */
export const FIXTURES_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures');

export const fixturePath = (...parts: string[]): string => join(FIXTURES_DIR, ...parts);
