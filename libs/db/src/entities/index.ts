import { Item } from './item.entity';
import { User } from './user.entity';

export * from './item.entity';
export { User };

/** Every entity, listed explicitly so bundles and tests need no file globs. */
export const ENTITIES = [User, Item];
