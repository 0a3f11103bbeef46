import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';

export const ITEM_NAME_MAX_LENGTH = 255;

// C0 and C1 control characters, DEL, and the path separators of every platform.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\]/;

/** The name as it is stored: Unicode NFC, trimmed. */
export function normaliseItemName(value: unknown): unknown {
  return typeof value === 'string' ? value.normalize('NFC').trim() : value;
}

/** Why a (normalised) name is refused, or undefined when it is fine. */
export function itemNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0 || name.length > ITEM_NAME_MAX_LENGTH) return `must be 1 to ${ITEM_NAME_MAX_LENGTH} characters`;
  if (FORBIDDEN.test(name)) return 'must not contain /, \\, NUL or control characters';
  if (name === '.' || name === '..') return 'must not be . or ..';
  return undefined;
}

/** A file or folder name: normalised to NFC and trimmed, then checked against the rules of API.md. */
export function IsItemName(options?: ValidationOptions): PropertyDecorator {
  const normalise = Transform(({ value }) => normaliseItemName(value));
  const validate = ValidateBy(
    {
      name: 'isItemName',
      validator: {
        validate: (value: unknown) => itemNameProblem(value) === undefined,
        defaultMessage: (args) => itemNameProblem(args?.value) ?? 'is not a valid name',
      },
    },
    options,
  );
  return (target, property) => {
    normalise(target, property);
    validate(target, property);
  };
}
