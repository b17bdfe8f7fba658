import { applyDecorators, ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches, ValidateBy } from 'class-validator';
import { compareCodePoints, DomainError, ErrorCode } from '@app/domain';

export interface FieldError {
  field: string;
  errors: string[];
}

/** Flattens nested class-validator errors into `[{field: "eligibility.minScore", errors}]`. */
function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Something to read: at least one character that is not white space. */
export const NotBlank = () => Matches(/\S/, { message: '$property must not be blank' });

/** Control characters never belong in a line of text, and PostgreSQL cannot store NUL at all. */
export const Printable = () => Matches(/^[^\u0000-\u001f\u007f-\u009f]*$/, { message: '$property must not contain control characters' });

/** A line someone reads (a name, a title, an address line, a tracking number): 1 to `max` characters, not blank, no control character. */
export const TextLine = (max: number) => applyDecorators(IsString(), Length(1, max), NotBlank(), Printable());

/** Deeper than any DTO of the API; bounds the recursion of class-transformer and class-validator. */
export const MAX_INPUT_DEPTH = 32;
/**
 * More fields than any DTO of the API has: the whitelist check costs the square of an object's
 * key count, and a body of a few hundred thousand unknown keys held the event loop for minutes.
 */
export const MAX_OBJECT_KEYS = 200;

/**
 * Depth of a parsed JSON value and the most keys one of its objects has (arrays aside), measured
 * without recursion so hostile input cannot overflow the stack; stops once a limit is passed.
 */
export function inputShape(value: unknown, limits = { depth: MAX_INPUT_DEPTH, keys: MAX_OBJECT_KEYS }): { depth: number; keys: number } {
  const shape = { depth: 0, keys: 0 };
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    shape.depth = Math.max(shape.depth, depth + 1);
    const children = Object.values(current);
    if (!Array.isArray(current)) shape.keys = Math.max(shape.keys, children.length);
    if (shape.depth > limits.depth || shape.keys > limits.keys) return shape;
    for (const child of children) stack.push([child, depth + 1]);
  }
  return shape;
}

/**
 * Keys the whitelist cannot see: class-transformer skips `__proto__` and `constructor` without a
 * word (its prototype-pollution guard), and class-validator finds every name Object.prototype has
 * (`toString`, `valueOf`, …) among a DTO's properties. JSON.parse makes them own properties, so
 * `{"__proto__": …}` or `{"toString": 1}` would be accepted as if they were not there.
 */
const UNSEEN_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

const ONE_BY_ONE = Symbol('checkedOneByOne');

/**
 * A body array whose items the handler checks one by one, refusing a bad item alone (score
 * batches): the pipe validates the array itself (its decorators) and hands the items on as parsed,
 * their keys and values left to that check.
 */
export const CheckedOneByOne = (): PropertyDecorator => (target: object, key: string | symbol) => {
  const dto = target.constructor as { [ONE_BY_ONE]?: string[] };
  dto[ONE_BY_ONE] = [...(dto[ONE_BY_ONE] ?? []), String(key)];
};

/** A UTF-16 surrogate without its pair: JSON can carry one (`"\ud800"`), no text column or jsonb can store it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a string holds a lone surrogate (text PostgreSQL refuses or garbles). */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/**
 * Field errors for every dropped key in a parsed body or query, and for every string (value or
 * key) holding a lone surrogate, named as the validation pipe names fields.
 */
export function droppedKeyErrors(value: unknown, oneByOne: readonly string[] = []): FieldError[] {
  const errors: FieldError[] = [];
  // Iterative and depth-bounded: deeper input is refused anyway.
  const stack: [unknown, string, number][] = [[value, '', 0]];
  while (stack.length) {
    const [current, path, depth] = stack.pop()!;
    if (typeof current === 'string' && hasLoneSurrogate(current)) {
      errors.push({ field: path || 'body', errors: [`${path || 'body'} must be valid Unicode text (a lone UTF-16 surrogate)`] });
    }
    if (current === null || typeof current !== 'object' || depth > MAX_INPUT_DEPTH) continue;
    for (const [key, child] of Object.entries(current)) {
      const field = path ? `${path}.${key}` : key;
      if (!Array.isArray(current) && UNSEEN_KEYS.has(key)) errors.push({ field, errors: [`property ${key} should not exist`] });
      else if (hasLoneSurrogate(key)) errors.push({ field, errors: ['property names must be valid Unicode text (a lone UTF-16 surrogate)'] });
      else if (!(depth === 0 && oneByOne.includes(key))) stack.push([child, field, depth + 1]);
    }
  }
  return errors.sort((a, b) => compareCodePoints(a.field, b.field));
}

/**
 * Refuses, before transformation, absurdly nested input, the keys class-transformer would
 * drop unseen (as unknown fields: API.md's 400) and text no column can store, then validates as usual.
 */
class GuardedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const shape = inputShape(value);
    if (shape.depth > MAX_INPUT_DEPTH) {
      throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: nested deeper than ${MAX_INPUT_DEPTH} levels`, [
        { field: metadata.data ?? metadata.type, errors: [`must not be nested deeper than ${MAX_INPUT_DEPTH} levels`] },
      ]);
    }
    if (shape.keys > MAX_OBJECT_KEYS) {
      throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: an object with more than ${MAX_OBJECT_KEYS} fields`, [
        { field: metadata.data ?? metadata.type, errors: [`no object may have more than ${MAX_OBJECT_KEYS} fields`] },
      ]);
    }
    const oneByOne = (metadata.metatype as { [ONE_BY_ONE]?: string[] } | undefined)?.[ONE_BY_ONE] ?? [];
    const dropped = metadata.type === 'body' || metadata.type === 'query' ? droppedKeyErrors(value, oneByOne) : [];
    if (dropped.length) throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${dropped.map((d) => d.field).join(', ')}`, dropped);
    const body = value as Record<string, unknown>;
    const items = oneByOne.filter((key) => Array.isArray(body?.[key]));
    if (!items.length) return super.transform(value, metadata);
    // Placeholders of the same length go through transformation and the array's own checks.
    const placeholders = Object.fromEntries(items.map((key) => [key, (body[key] as unknown[]).map(() => null)]));
    const dto = (await super.transform({ ...body, ...placeholders }, metadata)) as Record<string, unknown>;
    for (const key of items) dto[key] = body[key];
    return dto;
  }
}

/** Whitelists and transforms every body/query; unknown fields are refused, never applied. */
export function createValidationPipe(): ValidationPipe {
  return new GuardedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${fields}`, details);
    },
  });
}

/** A date-time with no zone designator (no `Z`, no `±hh:mm`), which JavaScript reads in the server's local time. */
const UNZONED_DATE_TIME = /T[\d:.,]+$/;

/**
 * API.md's timestamps are UTC: one sent without a zone designator is read as UTC (`…T00:00:00`
 * becomes `…T00:00:00Z`), whatever the server's time zone.
 */
export const AsUtc = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' && UNZONED_DATE_TIME.test(value) ? `${value}Z` : value));

/**
 * ISO 8601 has forms JavaScript's Date cannot read (week `2030-W10-1`, ordinal `2030-100`): they
 * pass IsISO8601 but become an invalid Date that PostgreSQL refuses (a 500). Refused here as input.
 */
export const IsReadableInstant = () =>
  ValidateBy({
    name: 'isReadableInstant',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
      defaultMessage: (args) => `${args?.property} must be a date-time such as 2026-12-01T00:00:00Z`,
    },
  });
