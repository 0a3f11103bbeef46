import { User } from './user.entity';

export { User };

/** Every entity, listed explicitly so bundles and tests need no file globs. */
export const ENTITIES = [User];
