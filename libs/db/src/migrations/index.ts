import { CreateUsers1795826039211 } from './1795826039211-CreateUsers';

/** Every migration, in order. `npm run migration:generate -- <Name>` writes a new one and lists it here. */
export const MIGRATIONS = [CreateUsers1795826039211];
