import { randomUUID } from 'node:crypto';

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
 *
 * The random bits come from `randomUUID()` (a v4 id: 122 random bits, RFC variant set), whose
 * entropy Node draws in bulk: cheaper than asking for 16 random bytes on every claim.
 */
export function uuidV7(now = Date.now()): string {
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${randomUUID().slice(15)}`;
}
