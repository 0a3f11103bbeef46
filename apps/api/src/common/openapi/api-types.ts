import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

// The Swagger plugin documents every TypeScript `number` as `number` and every `string` as a plain string, whatever
// class-validator says; these give generated clients the real types (merged with what the plugin reads from
// the property's type and comment).

/** A whole number: sizes in bytes, counts, pixels, statuses. */
export const ApiInteger = (options: ApiPropertyOptions = {}): PropertyDecorator =>
  ApiProperty({ type: 'integer', ...options } as ApiPropertyOptions);

/** An id: a UUID. */
export const ApiUuid = (options: ApiPropertyOptions = {}): PropertyDecorator =>
  ApiProperty({ type: String, format: 'uuid', ...options } as ApiPropertyOptions);
