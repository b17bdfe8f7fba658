import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

/** The fulfillment service as production runs it: its own process, killable with SIGKILL. */
export class WorkerProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(readonly env: Record<string, string>) {}

  async start(port: number): Promise<void> {
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/fulfillment-service/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, FULFILLMENT_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`fulfillment service exited: ${this.output}`);
      const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok).catch(() => false);
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`fulfillment service did not become healthy: ${this.output}`);
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
