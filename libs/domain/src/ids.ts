/**
 * Any UUID PostgreSQL's `uuid` type reads in its canonical form, whatever its version: ids in
 * paths, filters and cursors are checked against it before a query, so a malformed id is a
 * 404 or 400 rather than a database error. (class-validator's IsUUID accepts only RFC
 * versions and variants, narrower than the ids PostgreSQL stores.)
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
