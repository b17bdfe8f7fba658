import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/domain';
import { FieldError, MAX_INPUT_DEPTH } from './validation';

/**
 * Keys class-transformer skips without a word (its prototype-pollution guard): JSON.parse makes
 * them own properties, but they never reach the DTO, so the validation pipe's whitelist cannot
 * see them and `{"__proto__": …}` was accepted as if it were not there.
 */
const DROPPED_KEYS = ['__proto__', 'constructor'];

/** Field errors for every dropped key in a parsed body or query, named like the validation pipe names fields. */
export function droppedKeyErrors(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  // Iterative and depth-bounded: the validation pipe refuses deeper input after this check.
  const stack: [unknown, string, number][] = [[value, '', 0]];
  while (stack.length) {
    const [current, path, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object' || depth > MAX_INPUT_DEPTH) continue;
    for (const [key, child] of Object.entries(current)) {
      const field = path ? `${path}.${key}` : key;
      if (!Array.isArray(current) && DROPPED_KEYS.includes(key)) errors.push({ field, errors: [`property ${key} should not exist`] });
      else stack.push([child, field, depth + 1]);
    }
  }
  return errors.sort((a, b) => a.field.localeCompare(b.field));
}

/** Refuses `__proto__` and `constructor` keys as the validation pipe refuses any unknown field (API.md: 400). */
@Injectable()
export class DroppedKeysPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query') return value;
    const details = droppedKeyErrors(value);
    if (details.length) {
      throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${details.map((d) => d.field).join(', ')}`, details);
    }
    return value;
  }
}
