import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private redis-server for fault tests (stop it, start it again) so the shared
 * Redis is never touched.
 */
export class ThrowawayRedis {
  private process?: ChildProcess;
  /** Where its snapshots go (Redis only writes files into the directory it started with). */
  private readonly dir = join(tmpdir(), `throwaway-redis-${randomBytes(6).toString('hex')}`);
  private snapshots = 0;

  private constructor(readonly port: number) {}

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts empty, or with the data of one of its {@link snapshot}s (used up); it never saves by itself. */
  async start(snapshot?: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const dump = join(this.dir, 'dump.rdb');
    if (snapshot) renameSync(snapshot, dump);
    else rmSync(dump, { force: true });
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    await this.waitUntil(true);
  }

  /** Saves what Redis holds now, as a backup (or a replica that falls behind) would hold it; returns the file. */
  async snapshot(): Promise<string> {
    const client = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.save();
    } finally {
      client.disconnect();
    }
    const file = join(this.dir, `snapshot-${++this.snapshots}.rdb`);
    renameSync(join(this.dir, 'dump.rdb'), file);
    return file;
  }

  /** Kills the server and starts it again from an older snapshot: every write made since is lost. */
  async restore(snapshot: string): Promise<void> {
    await this.stop();
    await this.start(snapshot);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
    rmSync(join(this.dir, 'dump.rdb'), { force: true });
    // Gone unless a snapshot waits in it (a restart recreates it).
    try {
      rmdirSync(this.dir);
    } catch {
      // a snapshot still to restore
    }
  }

  private async waitUntil(up: boolean): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      const answered = await client
        .connect()
        .then(() => client.ping())
        .then(() => true)
        .catch(() => false);
      client.disconnect();
      if (answered === up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on ${this.port} did not ${up ? 'start' : 'stop'}`);
  }
}
