import { randomBytes } from 'node:crypto';

/**
 * Any UUID PostgreSQL's `uuid` type reads in its canonical form, whatever its version: ids in
 * paths, filters and cursors are checked against it before a query, so a malformed id is a
 * 404 or 400 rather than a database error. (class-validator's IsUUID accepts only RFC
 * versions and variants, narrower than the ids PostgreSQL stores.)
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made
 * close in time sort and sit together in PostgreSQL's B-tree indexes, so a burst of claims
 * inserts into (and its fulfilment later updates) a few recent index pages instead of random
 * ones. The creation time it carries is public anyway (`createdAt`); the random part keeps ids
 * unguessable. The `claims.id` column default (`uuid_v7()`) makes the same ids.
 */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
