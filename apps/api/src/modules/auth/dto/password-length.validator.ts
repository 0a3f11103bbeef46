import { ValidateBy, ValidationOptions } from 'class-validator';

export const PASSWORD_MIN_BYTES = 8;
/** bcrypt ignores everything past 72 bytes, so a longer password would be silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

export function IsPasswordLength(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPasswordLength',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const bytes = Buffer.byteLength(value, 'utf8');
          return bytes >= PASSWORD_MIN_BYTES && bytes <= PASSWORD_MAX_BYTES;
        },
        defaultMessage: () => `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes long in UTF-8`,
      },
    },
    options,
  );
}
