import { Type } from '@nestjs/common';
import { getSchemaPath } from '@nestjs/swagger';

/**
 * OpenAPI 3.0 has no null type: `nullable` widens only the `type` beside it (not an `allOf` or a
 * `$ref`), so "a DTO or null" is a choice between the DTO and this schema, which takes null alone.
 */
export const JSON_NULL = { type: 'object', nullable: true, enum: [null] };

/** Any JSON value but null. */
export const ANY_JSON_VALUE = [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'array', items: {} }, { type: 'object' }];

/** A property holding the DTO or null (the DTO must be in the document's components). */
export function orNull(dto: Type<unknown>): { oneOf: object[] } {
  return { oneOf: [{ $ref: getSchemaPath(dto) }, JSON_NULL] };
}
