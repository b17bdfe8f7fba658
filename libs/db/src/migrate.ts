import { Client } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { loadConfig } from '@app/config';
import dataSource from './data-source';

/** `npm run migrate`: creates the database if this server has none by that name, applies pending migrations and exits. */
async function main(): Promise<void> {
  await ensureDatabase(loadConfig().databaseUrl);
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  process.stdout.write(`migrations: ${applied.length ? applied.map((m) => m.name).join(', ') : 'up to date'}\n`);
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
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    process.stdout.write(`database ${name} created\n`);
  } finally {
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
