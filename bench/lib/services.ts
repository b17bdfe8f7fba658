import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@app/testing';
import { BenchEnvironment, ROOT } from './environment';
import { sleep } from './stats';

export type ServiceName = 'campaign-service' | 'matching-service' | 'fulfillment-service';

export const ALL_SERVICES: ServiceName[] = ['campaign-service', 'matching-service', 'fulfillment-service'];

/** `dist`: the webpack bundles from `npm run build`; `ts`: the sources through @swc-node/register. */
export type Runtime = 'dist' | 'ts';

/**
 * Rate limits defend production against abusive clients; the load generator is one client
 * sending thousands of requests a second. The limits stay on (their cost is part of the
 * measured path) but far above what the bench sends.
 */
const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_WINDOW_SECONDS: '60',
  RATE_LIMIT_IP: '1000000000',
  RATE_LIMIT_ACCOUNT: '1000000000',
  RATE_LIMIT_LOGIN: '1000000000',
  RATE_LIMIT_LOGIN_ACCOUNT: '1000000000',
  RATE_LIMIT_LOGIN_IP: '1000000000',
  RATE_LIMIT_REGISTER: '1000000000',
  RATE_LIMIT_CLAIM: '1000000000',
};

export interface RunningService {
  name: ServiceName;
  pid: number;
  port: number;
  url: string;
  logFile: string;
}

/** Starts service processes for one benchmark, samples their memory, stops them. */
export class ServiceLauncher {
  private readonly running: { service: RunningService; child: ChildProcess; peakKb: number; exited: boolean }[] = [];
  private sampler?: NodeJS.Timeout;

  constructor(
    private readonly env: BenchEnvironment,
    private readonly runtime: Runtime,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  /** Starts the named services on free ports and waits until each /health answers 200. */
  async start(names: ServiceName[], label: string, extraEnv: Record<string, string> = {}): Promise<Record<ServiceName, RunningService>> {
    const ports = { 'campaign-service': await freePort(), 'matching-service': await freePort(), 'fulfillment-service': await freePort() };
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...GENEROUS_LIMITS,
      NODE_ENV: 'production',
      DATABASE_URL: this.env.databaseUrl,
      REDIS_URL: this.env.redisUrl,
      REDIS_PREFIX: this.env.redisPrefix,
      JWT_SECRET: this.env.jwtSecret,
      JWT_TTL_SECONDS: '86400',
      PORT: String(ports['campaign-service']),
      MATCHING_PORT: String(ports['matching-service']),
      FULFILLMENT_PORT: String(ports['fulfillment-service']),
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      PUBLIC_URL: `http://127.0.0.1:${ports['campaign-service']}`,
      ...this.extraEnv,
      ...extraEnv,
    };
    const started = {} as Record<ServiceName, RunningService>;
    for (const name of names) {
      const logFile = join(this.env.workDir, `${label}-${name}.log`);
      const child = spawn(process.execPath, this.entry(name), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const log = createWriteStream(logFile);
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      const service: RunningService = { name, pid: child.pid ?? -1, port: ports[name], url: `http://127.0.0.1:${ports[name]}`, logFile };
      const entry = { service, child, peakKb: 0, exited: false };
      child.on('exit', () => (entry.exited = true));
      this.running.push(entry);
      started[name] = service;
    }
    await Promise.all(names.map((name) => this.waitHealthy(started[name])));
    this.sampler ??= setInterval(() => this.sample(), 250);
    return started;
  }

  /** Peak RSS (VmHWM) per service since it started, MiB. */
  peakRssMb(): Record<string, number> {
    this.sample();
    return Object.fromEntries(this.running.map((r) => [r.service.name, Math.round((r.peakKb / 1024) * 10) / 10]));
  }

  /** SIGTERM to each service, SIGKILL after 10 s. */
  async stopAll(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    await Promise.all(
      this.running.map(async (entry) => {
        if (entry.exited) return;
        entry.child.kill('SIGTERM');
        for (let i = 0; i < 100 && !entry.exited; i++) await sleep(100);
        if (!entry.exited) entry.child.kill('SIGKILL');
      }),
    );
    this.running.length = 0;
  }

  /**
   * A service runs with the node options `npm start` gives it (package.json
   * config.serviceNodeOptions); BENCH_SERVICE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`)
   * adds to them, e.g. to profile a run.
   */
  private entry(name: ServiceName): string[] {
    const nodeArgs = [serviceNodeOptions(name), process.env.BENCH_SERVICE_NODE_ARGS ?? ''].join(' ').split(' ').filter(Boolean);
    if (this.runtime === 'dist') return [...nodeArgs, join('dist', 'apps', name, 'main.js')];
    return [...nodeArgs, '-r', '@swc-node/register', join('apps', name, 'src', 'main.ts')];
  }

  private sample(): void {
    for (const entry of this.running) {
      if (entry.exited) continue;
      const kb = readStatusKb(entry.service.pid, 'VmHWM') ?? readStatusKb(entry.service.pid, 'VmRSS');
      if (kb !== undefined) entry.peakKb = Math.max(entry.peakKb, kb);
    }
  }

  private async waitHealthy(service: RunningService): Promise<void> {
    const deadline = Date.now() + 90_000;
    const entry = this.running.find((r) => r.service === service);
    while (Date.now() < deadline) {
      if (entry?.exited) break;
      try {
        const res = await fetch(`${service.url}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    const tail = existsSync(service.logFile) ? readFileSync(service.logFile, 'utf8').slice(-2000) : '';
    throw new Error(`${service.name} did not become healthy (log ${service.logFile}):\n${tail}`);
  }
}

function serviceNodeOptions(name: ServiceName): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config?: { serviceNodeOptions?: Partial<Record<ServiceName, string>> } };
  return pkg.config?.serviceNodeOptions?.[name] ?? '';
}

function readStatusKb(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
