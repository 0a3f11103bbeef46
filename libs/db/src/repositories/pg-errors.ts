import { QueryFailedError } from 'typeorm';

/** The name of the unique constraint or index a statement violated, if that is why it failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' ? driverError.constraint : undefined;
}

/** The name of the foreign key a statement violated, if that is why it failed. */
export function violatedForeignKey(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23503' ? driverError.constraint : undefined;
}
