import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Names this test run's databases and Redis keys, so two runs never collide. */
export function testRunId(): string {
  const id = process.env.PERKS_TEST_RUN_ID;
  if (!id) throw new Error('PERKS_TEST_RUN_ID is not set: run tests through jest (global setup)');
  return id;
}

export function templateDatabaseName(runId = testRunId()): string {
  return `perks_test_${runId}_tpl`;
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file, copied from the migrated template (fast).
 * CREATE DATABASE … TEMPLATE refuses while another copy is starting, so retry briefly.
 */
export async function createTestDatabase(): Promise<string> {
  const name = `perks_test_${testRunId()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabaseName()}`);
        return;
      } catch (error) {
        if (attempt > 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  return databaseUrl(name);
}

/** Points the platform's configuration at an isolated database and Redis prefix. */
export async function useIsolatedEnvironment(extra: Record<string, string> = {}): Promise<{ databaseUrl: string; redisPrefix: string }> {
  const url = await createTestDatabase();
  const redisPrefix = `test_${testRunId()}_${randomBytes(3).toString('hex')}`;
  Object.assign(process.env, {
    DATABASE_URL: url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    DATABASE_POOL_SIZE: '5',
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: 'test-secret-that-is-long-enough',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL: 'admin@test.local',
    ADMIN_PASSWORD: 'admin-password-1',
    SCORE_PROVIDER_KEYS: 'klout:klout-test-key,peerindex:peerindex-test-key',
    // Generous: suites hammer the API from one loopback IP; rate-limit specs set strict limits explicitly.
    RATE_LIMIT_IP: '1000000',
    RATE_LIMIT_ACCOUNT: '1000000',
    RATE_LIMIT_LOGIN: '1000000',
    RATE_LIMIT_LOGIN_ACCOUNT: '1000000',
    RATE_LIMIT_LOGIN_IP: '1000000',
    RATE_LIMIT_REGISTER: '1000000',
    RATE_LIMIT_CLAIM: '1000000',
    CLAIM_VELOCITY_CAP: '1000000',
    ...extra,
  });
  return { databaseUrl: url, redisPrefix };
}
