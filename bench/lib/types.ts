import type { BenchEnvironment } from './environment';
import type { ServiceLauncher } from './services';

/** One measured run of one side (baseline or project). */
export interface Sample {
  /** work items per second (claim decisions, offers, fulfilments, rows…) */
  throughput: number;
  /** how many work items the run completed */
  count: number;
  seconds: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface Pair {
  baseline: Sample;
  project: Sample;
  /** project throughput / baseline throughput */
  ratio: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export type BenchStatus = 'ok' | 'failed' | 'not-available' | 'error';

export interface BenchResult {
  name: string;
  title: string;
  status: BenchStatus;
  unit: string;
  goal: string;
  baselineLabel: string;
  /** why the benchmark did not run or did not finish */
  reason?: string;
  params: Record<string, number | string | boolean>;
  pairs: Pair[];
  medianRatio?: number;
  baseline?: Sample;
  project?: Sample;
  checks: Check[];
  /** peak resident set size (VmHWM) of each service process during the benchmark, MiB */
  peakRssMb: Record<string, number>;
  notes: string[];
  startedAt: string;
  wallSeconds: number;
}

export interface BenchContext {
  quick: boolean;
  pairs: number;
  env: BenchEnvironment;
  services: ServiceLauncher;
  log: (message: string) => void;
}

/** What a benchmark file exports. */
export interface Benchmark {
  name: string;
  title: string;
  unit: string;
  goal: string;
  baselineLabel: string;
  /** null when the project side can run; otherwise why it cannot (feature not landed). */
  unavailableReason(ctx: BenchContext): Promise<string | null>;
  run(ctx: BenchContext, result: BenchResult): Promise<void>;
}
