import { validateSync } from 'class-validator';
import { IsPasswordLength } from './password-length.validator';

class Form {
  @IsPasswordLength()
  password: unknown;
}

const errorsFor = (password: unknown) => validateSync(Object.assign(new Form(), { password }));
const isAccepted = (password: unknown) => errorsFor(password).length === 0;

describe('IsPasswordLength', () => {
  it.each([
    ['8 ASCII characters', 'a'.repeat(8)],
    ['72 ASCII characters', 'a'.repeat(72)],
    ['24 × € (72 bytes)', '€'.repeat(24)],
    ['4 characters that are 8 bytes', 'ab€€'],
  ])('accepts %s', (_, password) => {
    expect(isAccepted(password)).toBe(true);
  });

  it.each([
    ['7 ASCII characters', 'a'.repeat(7)],
    ['73 ASCII characters', 'a'.repeat(73)],
    ['25 × € (75 bytes, only 25 characters)', '€'.repeat(25)],
    ['71 ASCII characters and one € (74 bytes)', 'a'.repeat(71) + '€'],
    ['the empty string', ''],
    ['a number', 12345678],
    ['null', null],
    ['an array of strings', ['password1']],
  ])('refuses %s', (_, password) => {
    expect(isAccepted(password)).toBe(false);
  });

  it('says the limits are in bytes', () => {
    expect(errorsFor('short')[0].constraints).toEqual({
      isPasswordLength: 'must be 8 to 72 bytes long in UTF-8',
    });
  });
});
