import { ValidateBy, ValidationOptions } from 'class-validator';

// C0 and C1 control characters and DEL.
const CONTROL = /\p{Cc}/u;

// What a reader cannot see, or sees elsewhere than where it is: invisible format characters (Cf: the bidi
// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the zero-width space, joiners and marks
// U+200B–U+200F, the word joiners U+2060–U+2064, U+FEFF, U+061C, the soft hyphen…), the line and paragraph
// separators, and halves of surrogate pairs.
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

// The only format characters allowed, where they are seen: a zero-width joiner between two emoji (👩‍💻), the
// tags of a subdivision flag (🏴 + tags + cancel tag), and a zero-width non-joiner between two letters of the
// Arabic script (Persian writes with it; it changes the letters' shapes, so it is not invisible there).
const SEEN_FORMAT_CHARACTERS = new RegExp(
  [
    String.raw`(?<=\p{Extended_Pictographic}(?:\u{FE0F}|[\u{1F3FB}-\u{1F3FF}])?)\u200D(?=\p{Extended_Pictographic})`,
    String.raw`(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}`,
    String.raw`(?<=\p{Script=Arabic})\u200C(?=\p{Script=Arabic})`,
  ].join('|'),
  'gu',
);

export const CONTROL_MESSAGE = 'must not contain control characters';
export const INVISIBLE_MESSAGE =
  'must not contain invisible or direction-changing characters (bidi controls, zero-width characters, U+FEFF…)';

/** Why a text could show as something other than what it is, or undefined when it shows as it is. */
export function hiddenCharacterProblem(text: string): string | undefined {
  if (CONTROL.test(text)) return CONTROL_MESSAGE;
  if (INVISIBLE.test(text.replace(SEEN_FORMAT_CHARACTERS, ''))) return INVISIBLE_MESSAGE;
  return undefined;
}

/** Text shown to people (an e-mail address), which must show as what it is. */
export function IsVisibleText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isVisibleText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && hiddenCharacterProblem(value) === undefined,
        defaultMessage: (args) =>
          (typeof args?.value === 'string' && hiddenCharacterProblem(args.value)) || 'must be a string',
      },
    },
    options,
  );
}
