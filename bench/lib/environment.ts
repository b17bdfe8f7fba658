import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';

const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const ROOT = join(__dirname, '..', '..');

/**
 * The benchmark's private world: its own migrated database `perks_bench_<id>` and its own
 * Redis key prefix on the shared PostgreSQL and Redis, removed again at the end.
 */
export class BenchEnvironment {
  readonly id = randomBytes(4).toString('hex');
  readonly databaseName = `perks_bench_${this.id}`;
  readonly databaseUrl = withDatabase(ADMIN_URL, this.databaseName);
  readonly redisUrl = REDIS_URL;
  readonly redisPrefix = `perks_bench_${this.id}`;
  readonly jwtSecret = `bench-${randomBytes(16).toString('hex')}`;
  readonly workDir = mkdtempSync(join(tmpdir(), `perks-bench-${this.id}-`));
  /** libpq settings for pgbench and psql pointed at the bench database */
  readonly pgEnv: Record<string, string>;
  private poolInstance?: Pool;
  private redisInstance?: Redis;

  constructor() {
    const url = new URL(this.databaseUrl);
    this.pgEnv = {
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username || 'postgres'),
      PGDATABASE: this.databaseName,
      ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
    };
  }

  get pool(): Pool {
    this.poolInstance ??= new Pool({ connectionString: this.databaseUrl, max: 8 });
    return this.poolInstance;
  }

  get redis(): Redis {
    this.redisInstance ??= new Redis(this.redisUrl, { maxRetriesPerRequest: 3 });
    return this.redisInstance;
  }

  async create(log: (message: string) => void): Promise<void> {
    await withAdmin((client) => client.query(`CREATE DATABASE ${this.databaseName}`));
    log(`database ${this.databaseName} created; migrating`);
    await runCommand('npm', ['run', '--silent', 'migrate'], { DATABASE_URL: this.databaseUrl, LOG_LEVEL: 'warn' });
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params);
    return result.rows as T[];
  }

  async one<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T> {
    const rows = await this.query<T>(sql, params);
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
    return rows[0];
  }

  /**
   * The same database name, empty and migrated again, for the next benchmark: none of the last
   * one's rows (its pending claims would be swept into the next one's fulfillment queue), table
   * statistics or dead tuples (vacuumed in the middle of the next measurement), and its dirty
   * pages checkpointed now rather than during the next measurement. Without this, fulfill after
   * the claim benchmarks ran at a tenth of its speed, and its first pair after match-bulk too.
   */
  async recreate(log: (message: string) => void): Promise<void> {
    await this.poolInstance?.end();
    this.poolInstance = undefined;
    await withAdmin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${this.databaseName} WITH (FORCE)`);
      await client.query('CHECKPOINT');
    });
    await this.create(log);
  }

  /** Deletes every Redis key under this run's prefix. */
  async flushRedis(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async destroy(keepDatabase: boolean): Promise<void> {
    await this.flushRedis().catch(() => undefined);
    this.redisInstance?.disconnect();
    await this.poolInstance?.end().catch(() => undefined);
    if (keepDatabase) return;
    rmSync(this.workDir, { recursive: true, force: true });
    await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${this.databaseName} WITH (FORCE)`)).catch(() => undefined);
  }
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs a command to completion in the repository root; rejects with its output when it fails. */
export function runCommand(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`)),
    );
  });
}
