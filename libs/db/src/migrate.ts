import { Client } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { loadConfig } from '@app/config';
import dataSource from './data-source';

/** Any constant: the session-level advisory lock every `npm run migrate` of this schema takes. */
const MIGRATION_LOCK = 7_264_731_001;
const LOCK_POLL_MS = 250;

/**
 * `npm run migrate`: creates the database if this server has none by that name, applies pending
 * migrations and exits. Instances starting together (two `npm start`s, a scaled-out deploy) take
 * turns under an advisory lock: the second finds the work done, instead of failing on objects
 * the first created or applying a data migration twice.
 */
async function main(): Promise<void> {
  await ensureDatabase(loadConfig().databaseUrl);
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  // Asked for again and again rather than waited for in one statement: a statement waiting holds a
  // snapshot, and the other instance's CREATE INDEX CONCURRENTLY waits for every older snapshot to
  // end, so the two would wait for each other for ever (no deadlock PostgreSQL can see).
  while (!(await lock.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK]))[0].locked) {
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(`migrations: ${applied.length ? applied.map((m) => m.name).join(', ') : 'up to date'}\n`);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    await lock.release();
  }
  await dataSource.destroy();
}

/** A fresh machine has only the maintenance database; `npm start` must work there. */
async function ensureDatabase(databaseUrl: string): Promise<void> {
  // Read as pg reads it (socket directories in `?host=`, an empty host), then pointed at the maintenance database.
  const target = parseIntoClientConfig(databaseUrl);
  const name = target.database ?? 'postgres';
  const admin = new Client({ ...target, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      process.stdout.write(`database ${name} created\n`);
    } catch (error) {
      // Another instance created it meanwhile: 42P04, or a unique violation in the catalog if both inserted at once.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  } finally {
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
