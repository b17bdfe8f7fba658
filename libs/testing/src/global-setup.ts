import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { databaseUrl, templateDatabaseName, withAdminClient } from './test-env';

const ROOT = join(__dirname, '../../..');

/**
 * Jest global setup: one template database per run, migrated by the real `npm run migrate`
 * entry point; each test file copies it.
 */
export default async function globalSetup(): Promise<void> {
  process.env.PERKS_TEST_RUN_ID ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const template = templateDatabaseName();
  await withAdminClient((client) => client.query(`CREATE DATABASE ${template}`));
  execFileSync(process.execPath, ['-r', '@swc-node/register', 'libs/db/src/migrate.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
