import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs one of the few statements a hot path sends hundreds of times a second as a named
 * prepared statement: PostgreSQL parses it once per connection instead of on every call.
 * Autocommit, straight on the pool; errors are pg's own (with `code`), not TypeORM's wrapper.
 */
export async function preparedQuery<T extends QueryResultRow>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const result = await pool.query<T>({ name, text, values });
  return result.rows;
}
