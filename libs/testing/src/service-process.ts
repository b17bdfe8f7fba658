import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/** The Node options `npm start` runs a service with (package.json `config.serviceNodeOptions`). */
export function serviceNodeOptions(service: ServiceName): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config: { serviceNodeOptions: Record<string, string> } };
  return pkg.config.serviceNodeOptions[service].split(/\s+/).filter(Boolean);
}

/** Each service's HTTP port variable (its /health answers there). */
const PORT_VARIABLE = { 'campaign-service': 'PORT', 'matching-service': 'MATCHING_PORT', 'fulfillment-service': 'FULFILLMENT_PORT' } as const;

export type ServiceName = keyof typeof PORT_VARIABLE;

/** A service as production runs it: its own process, to be stopped with SIGTERM or killed with SIGKILL. */
export class ServiceProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly service: ServiceName,
    readonly env: Record<string, string>,
    /** Node options of its own, e.g. the heap limits `npm start` gives it (`serviceNodeOptions`) */
    readonly nodeOptions: string[] = [],
  ) {}

  /** Starts the service and waits until its /health answers 200. */
  async start(port: number): Promise<void> {
    const child = this.launch(port);
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.service} exited: ${this.output}`);
      // Not kept alive: a test's first request must not meet this connection once the service closed it.
      const healthy = await fetch(`http://127.0.0.1:${port}/health`, { headers: { Connection: 'close' } })
        .then((r) => r.ok)
        .catch(() => false);
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.service} did not become healthy: ${this.output}`);
  }

  /** Starts the service without waiting for it. */
  launch(port: number): ChildProcess {
    this.output = '';
    this.child = spawn(process.execPath, [...this.nodeOptions, '-r', '@swc-node/register', `apps/${this.service}/src/main.ts`], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, [PORT_VARIABLE[this.service]]: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    return this.child;
  }

  /** What the service has written so far (stdout and stderr), once `pattern` is in it; throws after `timeoutMs`. */
  async outputMatching(pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`${this.service} did not write ${pattern} within ${timeoutMs} ms: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.output;
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  }
}
