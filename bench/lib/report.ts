import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './environment';
import { round } from './stats';
import { BenchResult, Sample } from './types';

export interface BenchReport {
  date: string;
  mode: 'full' | 'quick';
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; redis: string };
  runtime: string;
  loadGenerator: string;
  results: BenchResult[];
}

export function machineInfo(postgres: string, redis: string): BenchReport['machine'] {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres,
    redis,
  };
}

export function writeReport(report: BenchReport, name = 'latest'): { json: string; md: string } {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(report));
  return { json, md };
}

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '–' : round(value, digits).toLocaleString('en-US');

const latency = (sample?: Sample) => (sample?.p50Ms === undefined ? '–' : `${fmt(sample.p50Ms, 1)} / ${fmt(sample.p99Ms, 1)}`);

function verdict(result: BenchResult): string {
  if (result.status === 'not-available') return 'not available';
  if (result.status === 'error') return 'error';
  const failed = result.checks.filter((c) => !c.ok).length;
  return failed ? `FAILED (${failed})` : `pass (${result.checks.length} checks)`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `# Benchmark results (${report.mode})`,
    '',
    `Date: ${report.date} · machine: ${m.nproc} CPU (\`nproc\`, ${m.cpuModel}), ${m.memoryGiB} GiB memory · ` +
      `Node ${m.node} · PostgreSQL ${m.postgres} · Redis ${m.redis} · services: ${report.runtime}.`,
    `The load generator (${report.loadGenerator}) runs on the same machine as the services, PostgreSQL and Redis.`,
    'Baseline and project runs are interleaved (baseline, project, …); the ratio is the median of the per-pair ratios.',
    '',
    '| benchmark | ratio (median) | goal | pairs | correctness |',
    '|---|---|---|---|---|',
    ...report.results.map(
      (r) => `| \`${r.name}\` | ${r.medianRatio === undefined ? '–' : `**${r.medianRatio.toFixed(2)}×**`} | ${r.goal} | ${r.pairs.length} | ${verdict(r)} |`,
    ),
    '',
    '| benchmark | unit | project (median) | baseline (median) | project p50 / p99 ms | baseline p50 / p99 ms | peak RSS MiB |',
    '|---|---|---|---|---|---|---|',
    ...report.results.map(
      (r) =>
        `| \`${r.name}\` | ${r.unit} | ${fmt(r.project?.throughput)} | ${fmt(r.baseline?.throughput)} | ${latency(r.project)} | ${latency(r.baseline)} | ` +
        `${Object.entries(r.peakRssMb).map(([svc, mb]) => `${svc.replace('-service', '')} ${fmt(mb)}`).join(', ') || '–'} |`,
    ),
    '',
  ];
  for (const r of report.results) {
    lines.push(`## ${r.name} — ${r.title}`, '');
    if (r.reason) lines.push(`**${r.status === 'not-available' ? 'Not available' : 'Did not finish'}:** ${r.reason}`, '');
    lines.push(`Baseline: ${r.baselineLabel}. Parameters: ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ') || '–'}.`, '');
    if (r.pairs.length) {
      lines.push('| pair | baseline | project | ratio |', '|---|---|---|---|');
      r.pairs.forEach((p, i) => lines.push(`| ${i + 1} | ${fmt(p.baseline.throughput)} | ${fmt(p.project.throughput)} | ${p.ratio.toFixed(2)}× |`));
      lines.push('');
    }
    if (r.checks.length) {
      lines.push('Correctness:', '');
      for (const c of r.checks) lines.push(`- ${c.ok ? 'ok' : '**FAILED**'} — ${c.name}: ${c.detail}`);
      lines.push('');
    }
    for (const note of r.notes) lines.push(`- ${note}`);
    if (r.notes.length) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
