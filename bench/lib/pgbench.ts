import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchEnvironment } from './environment';
import { percentile } from './stats';
import { Sample } from './types';

const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

/** Runs pgbench against the bench database; throughput is its TPS, latencies from the per-transaction log. */
export async function runPgbench(
  env: BenchEnvironment,
  options: { clients: number; seconds: number; script?: string; builtin?: string; label: string },
): Promise<Sample> {
  const dir = join(env.workDir, `pgbench-${options.label}-${Date.now()}`);
  const args = ['-n', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-l', `--log-prefix=${join(env.workDir, options.label)}`];
  if (options.script !== undefined) {
    const file = `${dir}.sql`;
    writeFileSync(file, `${options.script}\n`);
    args.push('-f', file);
  } else {
    args.push('-b', options.builtin ?? 'simple-update');
  }
  clearLogs(env.workDir, options.label);
  const output = await pgbenchCommand(env, args);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  const processed = /number of transactions actually processed: (\d+)/.exec(output);
  if (!tps || !processed) throw new Error(`could not read pgbench output:\n${output}`);
  const latenciesUs = readLatencies(env.workDir, options.label);
  clearLogs(env.workDir, options.label);
  return {
    throughput: Number(tps[1]),
    count: Number(processed[1]),
    seconds: options.seconds,
    p50Ms: percentile(latenciesUs, 50) / 1000,
    p99Ms: percentile(latenciesUs, 99) / 1000,
  };
}

/** `pgbench -i` (scale 1) in the bench database, for the built-in scripts. */
export async function initPgbench(env: BenchEnvironment): Promise<void> {
  await pgbenchCommand(env, ['-i', '-q', '-s', '1']);
}

function pgbenchCommand(env: BenchEnvironment, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, args, { cwd: env.workDir, env: { ...process.env, ...env.pgEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`pgbench ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/** pgbench -l lines: client_id transaction_no latency_us script_no epoch_s epoch_us */
function readLatencies(dir: string, label: string): number[] {
  const latencies: number[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${label}.`))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) latencies.push(Number(fields[2]));
    }
  }
  return latencies;
}

function clearLogs(dir: string, label: string): void {
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${label}.`))) rmSync(join(dir, file));
}
