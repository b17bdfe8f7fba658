import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '../../..');
export const OUTPUT_DIR = resolve(__dirname, 'output');

export const ADMIN = { email: 'admin@browser.test', password: 'admin-browser-password' };
export const PROVIDER_KEY = 'klout-browser-key';

export interface Platform {
  apiUrl: string;
  stripeUrl: string;
  /** the platform's own database, for setting up what no API call can (a supplier withdrawing codes) */
  databaseUrl: string;
  stop(): Promise<void>;
}

/** A port the OS says is free right now. */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(join(OUTPUT_DIR, log));
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${code}; see ${join(OUTPUT_DIR, log)}`))));
  });
}

async function waitForHealth(url: string, child: ChildProcess, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const logFile = join(OUTPUT_DIR, `${name}.log`);
      const firstError = readFileSync(logFile, 'utf8').split('\n').find((line) => /^\w*Error\b/.test(line.trim()));
      throw new Error(`${name} exited with ${child.exitCode} before it was healthy${firstError ? `: ${firstError.trim()}` : ''}; see ${logFile}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} was not healthy at ${url} after ${timeoutMs / 1000}s`);
}

/**
 * Builds the console, then starts the whole platform on free ports against a fresh database
 * and Redis prefix: campaign-service (serving the console), matching, fulfillment and the fake Stripe.
 */
export async function startPlatform(log: (line: string) => void): Promise<Platform> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const baseDatabaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/perks');
  const database = `perks_browser_${suffix}`;
  const databaseUrl = new URL(baseDatabaseUrl);
  databaseUrl.pathname = `/${database}`;
  // Databases are created and dropped from the server's maintenance database, which always exists.
  const adminUrl = new URL(baseDatabaseUrl);
  adminUrl.pathname = '/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `browser_${suffix}`;
  const [port, matchingPort, fulfillmentPort, stripePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const apiUrl = `http://127.0.0.1:${port}`;
  const stripeUrl = `http://127.0.0.1:${stripePort}`;

  const children: { name: string; child: ChildProcess }[] = [];
  let databaseCreated = false;

  const stop = async () => {
    await Promise.all(children.map(({ child }) => stopChild(child)));
    if (databaseCreated) {
      const admin = new Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    }
    await deleteRedisKeys(redisUrl, redisPrefix);
  };

  try {
    log('building the console (vite build)');
    await run('npx', ['vite', 'build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn'], process.env, 'vite-build.log');

    const admin = new Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    databaseCreated = true;

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      MATCHING_PORT: String(matchingPort),
      FULFILLMENT_PORT: String(fulfillmentPort),
      DATABASE_URL: databaseUrl.toString(),
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      JWT_SECRET: `browser-tests-${suffix}-secret`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SCORE_PROVIDER_KEYS: `klout:${PROVIDER_KEY},peerindex:peerindex-browser-key`,
      STRIPE_API_BASE: stripeUrl,
      STRIPE_SECRET_KEY: 'sk_test_fake_browser',
      STRIPE_WEBHOOK_SECRET: 'whsec_fake_browser',
      FAKE_STRIPE_WEBHOOK_URL: `${apiUrl}/payments/stripe/webhook`,
      PUBLIC_URL: apiUrl,
      // Every persona signs in from 127.0.0.1; the per-IP login limit is for attackers, not for one test run.
      RATE_LIMIT_LOGIN: '100',
      RATE_LIMIT_LOGIN_ACCOUNT: '100',
      RATE_LIMIT_LOGIN_IP: '100',
      RATE_LIMIT_REGISTER: '100',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    };

    log(`migrating ${database}`);
    await run('node', ['-r', '@swc-node/register', 'libs/db/src/migrate.ts'], env, 'migrate.log');

    const start = (name: string, entry: string) => {
      const child = spawn('node', ['-r', '@swc-node/register', entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const out = createWriteStream(join(OUTPUT_DIR, `${name}.log`));
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
      children.push({ name, child });
      return child;
    };

    const fakeStripe = 'libs/testing/src/fake-stripe/main.ts';
    if (existsSync(join(ROOT, fakeStripe))) start('fake-stripe', fakeStripe);
    const campaign = start('campaign-service', 'apps/campaign-service/src/main.ts');
    const matching = start('matching-service', 'apps/matching-service/src/main.ts');
    const fulfillment = start('fulfillment-service', 'apps/fulfillment-service/src/main.ts');
    log(`starting services: API ${apiUrl}, matching :${matchingPort}, fulfillment :${fulfillmentPort}, fake Stripe :${stripePort}`);
    await Promise.all([
      waitForHealth(`${apiUrl}/health`, campaign, 'campaign-service'),
      waitForHealth(`http://127.0.0.1:${matchingPort}/health`, matching, 'matching-service'),
      waitForHealth(`http://127.0.0.1:${fulfillmentPort}/health`, fulfillment, 'fulfillment-service'),
    ]);
    return { apiUrl, stripeUrl, databaseUrl: databaseUrl.toString(), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** SIGTERM to the service's process group (graceful drain), SIGKILL if it is still there after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
