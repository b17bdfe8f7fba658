import 'reflect-metadata';
import { BENCHMARKS } from './benchmarks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BenchEnvironment, ROOT, runCommand } from './lib/environment';
import { machineInfo, writeReport } from './lib/report';
import { ALL_SERVICES, Runtime, ServiceLauncher } from './lib/services';
import { BenchContext, BenchResult } from './lib/types';

const USAGE = `npm run bench -- [names…] [--quick] [--pairs N] [--runtime dist|ts] [--no-build] [--keep-db]

  names       run only these (${BENCHMARKS.map((b) => b.name).join(', ')})
  --quick     small sizes, one pair: a correctness smoke test (CI), not a measurement
  --pairs N   baseline/project pairs per benchmark (default 3, quick 1)
  --runtime   dist: build and run dist/apps/*/main.js (default for a full run)
              ts: run the sources through @swc-node/register (default for --quick)
  --no-build  use the existing dist/ as it is
  --keep-db   keep the perks_bench_* database for inspection`;

interface Options {
  names: string[];
  quick: boolean;
  pairs: number;
  runtime: Runtime;
  build: boolean;
  keepDb: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { names: [], quick: false, pairs: 0, runtime: 'dist', build: true, keepDb: false };
  let runtimeGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--pairs') options.pairs = Number(argv[++i]);
    else if (arg === '--runtime') {
      const value = argv[++i];
      if (value !== 'dist' && value !== 'ts') fail(`--runtime must be dist or ts, not ${value}`);
      options.runtime = value as Runtime;
      runtimeGiven = true;
    } else if (arg === '--no-build') options.build = false;
    else if (arg === '--keep-db') options.keepDb = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}\n\n${USAGE}`);
    else options.names.push(arg);
  }
  if (options.quick && !runtimeGiven) options.runtime = 'ts';
  if (!options.pairs) options.pairs = options.quick ? 1 : 3;
  if (!Number.isInteger(options.pairs) || options.pairs < 1) fail('--pairs must be a positive integer');
  const unknown = options.names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) fail(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  return options;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const started = Date.now();
const log = (message: string) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const selected = BENCHMARKS.filter((b) => !options.names.length || options.names.includes(b.name));
  const env = new BenchEnvironment();
  const runtimeNotes: string[] = [];
  let runtime = options.runtime;
  if (runtime === 'dist' && options.build) {
    log('building the services (npm run build)');
    try {
      await runCommand('npm', ['run', '--silent', 'build']);
    } catch (error) {
      runtime = 'ts';
      runtimeNotes.push(`npm run build failed, services ran from sources instead: ${(error as Error).message.split('\n')[0]}`);
      log(`build failed; falling back to @swc-node/register: ${(error as Error).message.slice(0, 500)}`);
    }
  }

  if (runtime === 'dist' && ALL_SERVICES.some((name) => !existsSync(join(ROOT, 'dist', 'apps', name, 'main.js')))) {
    runtime = 'ts';
    runtimeNotes.push('dist/ had no build of every service, so services ran from sources');
    log('dist/apps/*/main.js missing: running the services from sources (@swc-node/register)');
  }

  const results: BenchResult[] = [];
  const services = new ServiceLauncher(env, runtime);
  const ctx: BenchContext = { quick: options.quick, pairs: options.pairs, env, services, log };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping services and removing the bench database');
    void services.stopAll().finally(() => env.destroy(options.keepDb).finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await env.create(log);
    const postgres = (await env.one<{ server_version: string }>('SHOW server_version')).server_version;
    const redis = /redis_version:(\S+)/.exec(await env.redis.info('server'))?.[1] ?? 'unknown';

    for (const bench of selected) {
      if (interrupted) break;
      const result: BenchResult = {
        name: bench.name,
        title: bench.title,
        status: 'ok',
        unit: bench.unit,
        goal: bench.goal,
        baselineLabel: bench.baselineLabel,
        params: {},
        pairs: [],
        checks: [],
        peakRssMb: {},
        notes: [],
        startedAt: new Date().toISOString(),
        wallSeconds: 0,
      };
      results.push(result);
      const t0 = Date.now();
      const reason = await bench.unavailableReason(ctx);
      if (reason) {
        result.status = 'not-available';
        result.reason = reason;
        log(`${bench.name}: NOT AVAILABLE — ${reason}`);
        continue;
      }
      log(`${bench.name}: ${bench.title}`);
      try {
        if (results.length > 1) await env.recreate(log);
        await bench.run(ctx, result);
        result.peakRssMb = { ...services.peakRssMb(), ...result.peakRssMb };
        result.status = result.checks.every((c) => c.ok) ? 'ok' : 'failed';
      } catch (error) {
        result.status = 'error';
        result.reason = (error as Error).stack ?? String(error);
        log(`${bench.name}: ERROR ${result.reason}`);
      } finally {
        await services.stopAll();
        await env.flushRedis();
        result.wallSeconds = Math.round((Date.now() - t0) / 1000);
      }
      for (const c of result.checks.filter((x) => !x.ok)) log(`${bench.name}: CORRECTNESS FAILED — ${c.name}: ${c.detail}`);
      log(
        `${bench.name}: ${result.status}` +
          (result.medianRatio === undefined ? '' : `, median ratio ${result.medianRatio.toFixed(2)}× (goal ${bench.goal})`) +
          ` in ${result.wallSeconds} s`,
      );
    }

    const report = {
      date: new Date().toISOString(),
      mode: options.quick ? ('quick' as const) : ('full' as const),
      machine: machineInfo(postgres, redis),
      runtime: `${runtime === 'dist' ? 'node dist/apps/<service>/main.js (npm run build)' : 'node -r @swc-node/register apps/<service>/src/main.ts'}` +
        (runtimeNotes.length ? ` — ${runtimeNotes.join('; ')}` : ''),
      loadGenerator: 'autocannon (HTTP/1.1 keep-alive on 127.0.0.1), pgbench, BullMQ clients in the bench process',
      results,
    };
    const files = writeReport(report, options.quick ? 'quick' : options.names.length ? `latest-${options.names.join('-')}` : 'latest');
    log(`results: ${files.json}, ${files.md}`);
  } finally {
    await services.stopAll();
    await env.destroy(options.keepDb);
    if (options.keepDb) log(`kept database ${env.databaseName}`);
  }

  const bad = results.filter((r) => r.status === 'failed' || r.status === 'error');
  for (const r of results) {
    log(`${r.name.padEnd(13)} ${r.status.toUpperCase()}${r.reason && r.status === 'not-available' ? ` (${r.reason})` : ''}`);
  }
  if (bad.length) {
    log(`FAILED: ${bad.map((r) => r.name).join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
