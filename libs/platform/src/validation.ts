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
 * Depth of a parsed JSON value and the most keys one of its objects has (arrays aside); stops
 * once a limit is passed. Recursive, never deeper than the depth limit and one, so hostile nesting
 * cannot overflow the stack, and holding nothing per value it passes: a 5 MB body holds millions
 * of values, and a list of them all (a stack of every value still to visit) took hundreds of MB.
 */
export function inputShape(value: unknown, limits = { depth: MAX_INPUT_DEPTH, keys: MAX_OBJECT_KEYS }): { depth: number; keys: number } {
  const shape = { depth: 0, keys: 0 };
  /** false once a limit is passed: the walk stops there */
  const walk = (current: unknown, depth: number): boolean => {
    if (current === null || typeof current !== 'object') return true;
    shape.depth = Math.max(shape.depth, depth + 1);
    if (shape.depth > limits.depth) return false;
    if (Array.isArray(current)) return current.every((child) => walk(child, depth + 1));
    const children = Object.values(current);
    shape.keys = Math.max(shape.keys, children.length);
    return shape.keys <= limits.keys && children.every((child) => walk(child, depth + 1));
  };
  walk(value, 0);
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
 * key) holding a lone surrogate, named as the validation pipe names fields. Recursive and
 * depth-bounded (deeper input is refused anyway); a field's name is made only for an error.
 */
export function droppedKeyErrors(value: unknown, oneByOne: readonly string[] = []): FieldError[] {
  const errors: FieldError[] = [];
  const path: string[] = [];
  const refuse = (message: (field: string) => string) => {
    const field = path.join('.') || 'body';
    errors.push({ field, errors: [message(field)] });
  };
  const walk = (current: unknown, depth: number): void => {
    if (typeof current === 'string') {
      if (hasLoneSurrogate(current)) refuse((field) => `${field} must be valid Unicode text (a lone UTF-16 surrogate)`);
      return;
    }
    if (current === null || typeof current !== 'object' || depth > MAX_INPUT_DEPTH) return;
    if (Array.isArray(current)) {
      current.forEach((child: unknown, index) => {
        // An index is no dropped key, and numbers, booleans and null hold no text: nothing to look at.
        if (typeof child !== 'string' && (child === null || typeof child !== 'object')) return;
        path.push(String(index));
        walk(child, depth + 1);
        path.pop();
      });
      return;
    }
    for (const [key, child] of Object.entries(current)) {
      path.push(key);
      if (UNSEEN_KEYS.has(key)) refuse(() => `property ${key} should not exist`);
      else if (hasLoneSurrogate(key)) refuse(() => 'property names must be valid Unicode text (a lone UTF-16 surrogate)');
      else if (!(depth === 0 && oneByOne.includes(key))) walk(child, depth + 1);
      path.pop();
    }
  };
  walk(value, 0);
  return errors.sort((a, b) => compareCodePoints(a.field, b.field));
}

/**
 * Refuses, before transformation, absurdly nested input, the keys class-transformer would
 * drop unseen (as unknown fields: API.md's 400) and text no column can store, then validates as usual.
 */
class GuardedValidationPipe extends ValidationPipe {
  /**
   * Nest's own walk keeps a stack of every value and takes `Object.keys` of every array (a string
   * per item): ~300 MB of heap for one 5 MB body of numbers. Parsed JSON and query strings have
   * no gaps; an array that has some still gets Nest's treatment.
   */
  protected override closeArrayGaps(value: unknown): void {
    if (hasArrayGaps(value, 0)) super.closeArrayGaps(value);
  }

  /** Nest's, without a list of every value: recursive, as deep as `transform` lets a value be. */
  protected override stripProtoKeys(value: unknown): void {
    stripProtoKeysOf(value, 0);
  }

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

/** Whether an array in `value` lacks an item (`[, 1]`), looking no deeper than the pipe lets a value be. */
function hasArrayGaps(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || depth > MAX_INPUT_DEPTH) return false;
  if (!Array.isArray(value)) return Object.values(value).some((child) => hasArrayGaps(child, depth + 1));
  for (let i = 0; i < value.length; i++) if (!(i in value) || hasArrayGaps(value[i], depth + 1)) return true;
  return false;
}

/** What Nest's stripProtoKeys deletes (its prototype-pollution guard), on plain data as the pipe gets it. */
function stripProtoKeysOf(value: unknown, depth: number): void {
  // A Buffer (a raw body) holds no keys, as Nest's skips it; Object.values would list every byte.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || depth > MAX_INPUT_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) stripProtoKeysOf(item, depth + 1);
    return;
  }
  for (const key of ['__proto__', 'prototype', 'constructor']) Reflect.deleteProperty(value, key);
  for (const child of Object.values(value)) stripProtoKeysOf(child, depth + 1);
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
