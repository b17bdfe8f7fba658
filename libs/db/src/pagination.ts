import { DomainError, ErrorCode, UUID } from '@app/domain';

/** A page of a list endpoint, as API.md fixes it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque keyset cursor over (timestamp, id): stable under concurrent inserts. */
export interface KeysetCursor {
  at: string;
  id: string;
}

/**
 * SQL for a cursor's instant from a timestamptz column, to the microsecond: a millisecond cursor
 * would skip the rows created within the same millisecond as the last one shown.
 */
export function cursorInstantSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** What encodeCursor is given: an ISO-8601 UTC instant (Date#toISOString or microseconds). */
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/**
 * Returns null for a cursor that is not one of ours (callers answer 400). Strict, because the
 * parts go to PostgreSQL as timestamptz and uuid: anything Date.parse alone accepts ("1") would be a 500.
 */
export function decodeCursor(raw: string): KeysetCursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || !CURSOR_AT.test(at)) return null;
    // Round trip: JavaScript rolls 2026-02-31 over to March, PostgreSQL refuses it.
    const parsed = new Date(at);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== at.slice(0, 19)) return null;
    // JavaScript has a year 0000 (1 BC), PostgreSQL's ISO input does not: it would be a 500.
    if (parsed.getUTCFullYear() < 1) return null;
    if (!UUID.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

/**
 * The `?cursor` of a list request: none for an absent or empty one (the first page), else ours
 * decoded; anything else is 400 VALIDATION_FAILED, the same on every list.
 */
export function pageCursor(raw: string | undefined): KeysetCursor | null {
  if (!raw) return null;
  const cursor = decodeCursor(raw);
  if (!cursor) throw invalidCursor();
  return cursor;
}

/** The answer to a `?cursor` that is not one of ours, on every list. */
export function invalidCursor(): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, 'Invalid input: cursor', [{ field: 'cursor', errors: ['cursor is not valid'] }]);
}

/** Builds a page from `limit + 1` rows fetched in keyset order. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => KeysetCursor, map: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(key(last)) : null };
}
