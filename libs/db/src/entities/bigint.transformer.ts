import { ValueTransformer } from 'typeorm';

/** pg returns bigint as a string; byte counts stay far below 2^53, so a number is exact. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
