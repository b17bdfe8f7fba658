import { applyDecorators, ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { IsString, Length, Matches, ValidateBy } from 'class-validator';
import { DomainError, ErrorCode } from '@app/domain';

export interface FieldError {
  field: string;
  errors: string[];
}

/** Flattens nested class-validator errors into `[{field: "eligibility.minScore", errors}]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
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

/** Depth of a parsed JSON value, measured without recursion so hostile input cannot overflow the stack. */
export function inputDepth(value: unknown, limit = MAX_INPUT_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Keys class-transformer skips without a word (its prototype-pollution guard): JSON.parse makes
 * them own properties, but they never reach the DTO, so the whitelist cannot see them and
 * `{"__proto__": …}` would be accepted as if it were not there.
 */
const DROPPED_KEYS = ['__proto__', 'constructor'];

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
export function droppedKeyErrors(value: unknown): FieldError[] {
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
      if (!Array.isArray(current) && DROPPED_KEYS.includes(key)) errors.push({ field, errors: [`property ${key} should not exist`] });
      else if (hasLoneSurrogate(key)) errors.push({ field, errors: ['property names must be valid Unicode text (a lone UTF-16 surrogate)'] });
      else stack.push([child, field, depth + 1]);
    }
  }
  return errors.sort((a, b) => a.field.localeCompare(b.field));
}

/**
 * Refuses, before transformation, absurdly nested input, the keys class-transformer would
 * drop unseen (as unknown fields: API.md's 400) and text no column can store, then validates as usual.
 */
class GuardedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (inputDepth(value) > MAX_INPUT_DEPTH) {
      throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: nested deeper than ${MAX_INPUT_DEPTH} levels`, [
        { field: metadata.data ?? metadata.type, errors: [`must not be nested deeper than ${MAX_INPUT_DEPTH} levels`] },
      ]);
    }
    const dropped = metadata.type === 'body' || metadata.type === 'query' ? droppedKeyErrors(value) : [];
    if (dropped.length) throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${dropped.map((d) => d.field).join(', ')}`, dropped);
    return super.transform(value, metadata);
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
