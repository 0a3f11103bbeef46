import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { hiddenCharacterProblem } from './visible-text';

export const ITEM_NAME_MAX_LENGTH = 255;

// The path separators of every platform.
const SEPARATOR = /[/\\]/;

/** The name as it is stored: Unicode NFC, trimmed. */
export function normaliseItemName(value: unknown): unknown {
  return typeof value === 'string' ? value.normalize('NFC').trim() : value;
}

/** Why a (normalised) name is refused, or undefined when it is fine. */
export function itemNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0 || name.length > ITEM_NAME_MAX_LENGTH) return `must be 1 to ${ITEM_NAME_MAX_LENGTH} characters`;
  if (SEPARATOR.test(name)) return 'must not contain / or \\';
  if (name === '.' || name === '..') return 'must not be . or ..';
  // `rtl\u202Egpj.exe` shows as `rtlexe.jpg`; `a\u200Bb` looks like its sibling `ab`.
  return hiddenCharacterProblem(name);
}

/**
 * A file or folder name: normalised to NFC and trimmed (as it is stored and compared: composed and decomposed
 * `é` are one name), then checked against the rules of API.md.
 */
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
