import { ArgumentMetadata, ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, MinLength, ValidateNested } from 'class-validator';
import { AppError } from '@app/contracts';
import { exceedsDepth, MAX_BODY_DEPTH, UNREADABLE_MESSAGE } from './unsafe-input';
import { AppValidationPipe, fieldErrors } from './validation.pipe';

class ItemDto {
  @IsString()
  name: string;
}

class SampleDto {
  @IsString()
  @MinLength(3)
  title: string;

  @IsOptional()
  @IsInt()
  count?: number;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items?: ItemDto[];
}

const body: ArgumentMetadata = { type: 'body', metatype: SampleDto };

/** What the pipe rejects `value` with: the AppError it throws. */
async function rejectionOf(value: unknown, metadata: ArgumentMetadata = body): Promise<AppError> {
  const error = await new AppValidationPipe().transform(value, metadata).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('fieldErrors', () => {
  it('flattens nested children into dotted paths', () => {
    const errors: ValidationError[] = [
      {
        property: 'files',
        children: [
          {
            property: '3',
            children: [
              { property: 'file_name', constraints: { isString: 'file_name must be a string' }, children: [] },
            ],
          },
        ],
      },
    ];
    expect(fieldErrors(errors)).toEqual([{ field: 'files.3.file_name', message: 'file_name must be a string' }]);
  });

  it('lists every constraint of a field, then those of its children', () => {
    const errors: ValidationError[] = [
      {
        property: 'folder',
        constraints: { isDefined: 'folder should not be null' },
        children: [{ property: 'name', constraints: { minLength: 'too short', matches: 'bad characters' } }],
      },
      { property: 'limit', constraints: { max: 'limit must not be greater than 1000' } },
    ];
    expect(fieldErrors(errors)).toEqual([
      { field: 'folder', message: 'folder should not be null' },
      { field: 'folder.name', message: 'too short' },
      { field: 'folder.name', message: 'bad characters' },
      { field: 'limit', message: 'limit must not be greater than 1000' },
    ]);
  });

  it('says "is not a known field" for a property the DTO does not declare', () => {
    const errors: ValidationError[] = [
      { property: 'is_admin', constraints: { whitelistValidation: 'property is_admin should not exist' } },
    ];
    expect(fieldErrors(errors)).toEqual([{ field: 'is_admin', message: 'is not a known field' }]);
  });

  it('prefixes the given parent path', () => {
    expect(fieldErrors([{ property: 'x', constraints: { isInt: 'x must be an integer' } }], 'query')).toEqual([
      { field: 'query.x', message: 'x must be an integer' },
    ]);
  });
});

describe('AppValidationPipe', () => {
  it('answers with an instance of the DTO when the body is valid', async () => {
    const result = await new AppValidationPipe().transform({ title: 'Report', count: 2, items: [{ name: 'a' }] }, body);
    expect(result).toBeInstanceOf(SampleDto);
    expect((result as SampleDto).items![0]).toBeInstanceOf(ItemDto);
    expect(result).toEqual({ title: 'Report', count: 2, items: [{ name: 'a' }] });
  });

  it('refuses an unknown property with validation_failed, naming it', async () => {
    const error = await rejectionOf({ title: 'Report', is_admin: true });
    expect(error.code).toBe('validation_failed');
    expect(error.extra.errors).toEqual([{ field: 'is_admin', message: 'is not a known field' }]);
    expect(error.detail).toBe('The field is_admin is invalid: is not a known field.');
  });

  it('lists every wrong field, nested ones by their dotted path', async () => {
    const error = await rejectionOf({ title: 'ab', count: 'many', items: [{ name: 'ok' }, { name: 7 }] });
    expect(error.code).toBe('validation_failed');
    expect(error.extra.errors).toEqual(
      expect.arrayContaining([
        { field: 'title', message: expect.any(String) },
        { field: 'count', message: expect.any(String) },
        { field: 'items.1.name', message: expect.any(String) },
      ]),
    );
    expect(error.extra.errors).toHaveLength(3);
    expect(error.detail).toBe('3 fields are invalid.');
  });

  it.each([
    ['an array', [{ title: 'Report' }]],
    ['null', null],
    ['a string', 'title=Report'],
    ['a number', 42],
    ['nothing', undefined],
  ])('refuses %s as a body, with one error on `body`', async (_, value) => {
    const error = await rejectionOf(value);
    expect(error.code).toBe('validation_failed');
    expect(error.extra.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('refuses a body nested deeper than MAX_BODY_DEPTH before transforming it', async () => {
    const nested = (levels: number): unknown => (levels === 1 ? {} : { child: nested(levels - 1) });
    const error = await rejectionOf({ title: 'Report', extra: nested(MAX_BODY_DEPTH) });
    expect(error.extra.errors).toEqual([
      { field: 'body', message: `must not be nested more than ${MAX_BODY_DEPTH} levels deep` },
    ]);
    expect(exceedsDepth(nested(MAX_BODY_DEPTH), MAX_BODY_DEPTH)).toBe(false);
    expect(exceedsDepth(nested(MAX_BODY_DEPTH + 1), MAX_BODY_DEPTH)).toBe(true);
    expect(exceedsDepth([[[1]]], 2)).toBe(true);
  });

  it.each([
    ['a NUL', 'Rep\u0000ort'],
    ['a lone high surrogate', 'Report\ud800'],
    ['a lone low surrogate', '\udc00Report'],
    ['two high surrogates in a row', 'Rep\ud83d\ud83dort'],
  ])('refuses a string with %s in any field, at any depth, naming each such field', async (_, bad) => {
    const error = await rejectionOf({ title: bad, items: [{ name: 'ok' }, { name: bad }] });
    expect(error.code).toBe('validation_failed');
    expect(error.extra.errors).toEqual([
      { field: 'title', message: UNREADABLE_MESSAGE },
      { field: 'items.1.name', message: UNREADABLE_MESSAGE },
    ]);
  });

  it('refuses them in a query too, and in an optional body read by a custom decorator', async () => {
    const query = await rejectionOf({ title: 'a\u0000b' }, { type: 'query', metatype: SampleDto });
    expect(query.extra.errors).toEqual([{ field: 'title', message: UNREADABLE_MESSAGE }]);
    const custom = { type: 'custom', metatype: SampleDto } as const;
    const pipe = new AppValidationPipe({ validateCustomDecorators: true });
    await expect(pipe.transform({ title: '\ud800abc' }, custom)).rejects.toMatchObject({ code: 'validation_failed' });
    const nested = (levels: number): unknown => (levels === 1 ? {} : { child: nested(levels - 1) });
    await expect(pipe.transform({ title: 'Report', extra: nested(3000) }, custom)).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('accepts emoji (whole surrogate pairs), accents and other scripts', async () => {
    const title = '😀 Café 日本語 العربية';
    await expect(new AppValidationPipe().transform({ title }, body)).resolves.toEqual({ title });
  });

  it('validates a query DTO too, and leaves plain route parameters to their own types', async () => {
    const query = await rejectionOf({ title: 'Report', extra: '1' }, { type: 'query', metatype: SampleDto });
    expect(query.extra.errors).toEqual([{ field: 'extra', message: 'is not a known field' }]);
    await expect(new AppValidationPipe().transform('abc', { type: 'param', metatype: String })).resolves.toBe('abc');
  });
});
