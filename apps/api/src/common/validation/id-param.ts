import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError } from '@app/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** Refuses a malformed id with a 422 naming the parameter (never a 500 from the database). */
class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw AppError.validation([{ field: this.name, message: 'must be a UUID' }]);
    return value.toLowerCase();
  }
}

/** A path parameter that must be a UUID: `@IdParam('folder_id') folderId: string`; documented as one too. */
export const IdParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    Param(name, new IdPipe(name))(target, key, index);
    if (key !== undefined) {
      ApiParam({ name, type: String, format: 'uuid' })(target, key, Object.getOwnPropertyDescriptor(target, key)!);
    }
  };
