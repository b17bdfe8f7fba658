import { median } from './stats';
import { BenchContext, BenchResult, Sample } from './types';

/**
 * Interleaves baseline and project runs (baseline, project, baseline, project, …) so drift
 * on a shared machine hits both sides alike; the ratio is the median of per-pair ratios.
 */
export async function runPairs(
  ctx: BenchContext,
  result: BenchResult,
  sides: { baseline: (pair: number) => Promise<Sample>; project: (pair: number) => Promise<Sample> },
): Promise<void> {
  for (let pair = 0; pair < ctx.pairs; pair++) {
    const baseline = await sides.baseline(pair);
    ctx.log(`  pair ${pair + 1}/${ctx.pairs} baseline: ${describe(baseline, result.unit)}`);
    const project = await sides.project(pair);
    ctx.log(`  pair ${pair + 1}/${ctx.pairs} project:  ${describe(project, result.unit)}`);
    result.pairs.push({ baseline, project, ratio: project.throughput / baseline.throughput });
  }
  result.medianRatio = median(result.pairs.map((p) => p.ratio));
  result.baseline = medianSample(result.pairs.map((p) => p.baseline));
  result.project = medianSample(result.pairs.map((p) => p.project));
}

function medianSample(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => {
    const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return values.length ? median(values) : undefined;
  };
  return {
    throughput: pick('throughput') ?? 0,
    count: pick('count') ?? 0,
    seconds: pick('seconds') ?? 0,
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
  };
}

function describe(sample: Sample, unit: string): string {
  const latency = sample.p50Ms === undefined ? '' : `, p50 ${sample.p50Ms.toFixed(1)} ms, p99 ${sample.p99Ms?.toFixed(1)} ms`;
  return `${Math.round(sample.throughput).toLocaleString('en-US')} ${unit} (${sample.count.toLocaleString('en-US')} in ${sample.seconds.toFixed(1)} s${latency})`;
}

/** Records a correctness check; a false one fails the run (non-zero exit). */
export function check(result: BenchResult, name: string, ok: boolean, detail: string): void {
  result.checks.push({ name, ok, detail });
}
