/**
 * `npm run scores:import -- scores.csv --provider klout`: imports a provider's score file
 * through the same set-based ingestion as POST /scores/batch (batches of 10,000, per-row
 * rejections, idempotent replays), with a progress bar; the distribution is refreshed once
 * at the end. CSV header: `memberId,score,scoredAt,topics` with topics like `tech:40|gaming:12`;
 * scoredAt as the API takes it (ISO 8601, UTC when it names no zone, not in the future).
 */
import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { Presets, SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/db';
import { refreshScoreDistribution } from '../apps/campaign-service/src/scores/score-distribution';
import { MAX_SCORE_BATCH, ScoreIngestion } from '../apps/campaign-service/src/scores/score-ingestion';
import { readScoredAt } from '../apps/campaign-service/src/scores/scored-at';

interface CsvRow {
  memberId?: string;
  score?: string;
  scoredAt?: string;
  topics?: string;
}

interface Pending {
  lines: number[];
  items: unknown[];
}

const toNumber = (value: string | undefined): number => (value === undefined || value.trim() === '' ? Number.NaN : Number(value));

function toItem(row: CsvRow): unknown {
  const topics = (row.topics ?? '')
    .split('|')
    .filter((pair) => pair.trim() !== '')
    .map((pair) => {
      const [topic, score] = pair.split(':');
      return { topic: topic.trim(), score: toNumber(score) };
    });
  return { memberId: row.memberId, score: toNumber(row.score), topics };
}

function parseArgs(argv: string[]): { file: string; provider: string } {
  const providerAt = argv.indexOf('--provider');
  const provider = providerAt >= 0 ? argv[providerAt + 1] : undefined;
  const file = argv.find((arg, i) => !arg.startsWith('--') && argv[i - 1] !== '--provider');
  if (!file || !provider) throw new Error('usage: npm run scores:import -- <file.csv> --provider <name>');
  return { file, provider };
}

async function main(): Promise<void> {
  const { file, provider } = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (!config.scoreProviders.byName.has(provider)) throw new Error(`unknown provider ${provider} (SCORE_PROVIDER_KEYS)`);
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl, 2));
  await dataSource.initialize();
  const ingestion = new ScoreIngestion(dataSource);

  const size = statSync(file).size;
  const bar = new SingleBar({ format: 'importing scores [{bar}] {percentage}% | {rows} rows | {accepted} accepted | {rejected} rejected' }, Presets.shades_classic);
  bar.start(size, 0, { rows: 0, accepted: 0, rejected: 0 });
  const totals = { rows: 0, accepted: 0, rejected: 0 };
  const samples: string[] = [];
  const pending = new Map<string, Pending>();

  const flush = async (scoredAt: string): Promise<void> => {
    const batch = pending.get(scoredAt);
    pending.delete(scoredAt);
    if (!batch?.items.length) return;
    const at = readScoredAt(scoredAt);
    if (!at) {
      totals.rejected += batch.items.length;
      batch.lines.slice(0, 20 - samples.length).forEach((line) => samples.push(`line ${line}: scoredAt is not an ISO 8601 date-time in the past`));
      return;
    }
    const result = await ingestion.ingest(provider, at, batch.items, { refreshDistribution: false });
    totals.accepted += result.accepted;
    totals.rejected += result.rejected.length;
    for (const r of result.rejected) if (samples.length < 20) samples.push(`line ${batch.lines[r.index]}: ${r.code} ${r.message}`);
  };

  const input = createReadStream(file);
  let bytes = 0;
  input.on('data', (chunk) => (bytes += chunk.length));
  const parser = input.pipe(parse({ columns: true, skip_empty_lines: true, trim: true }));
  let line = 1;
  for await (const row of parser as AsyncIterable<CsvRow>) {
    line++;
    totals.rows++;
    const scoredAt = row.scoredAt ?? '';
    const batch = pending.get(scoredAt) ?? { lines: [], items: [] };
    batch.lines.push(line);
    batch.items.push(toItem(row));
    pending.set(scoredAt, batch);
    if (batch.items.length >= MAX_SCORE_BATCH) await flush(scoredAt);
    bar.update(bytes, totals);
  }
  for (const scoredAt of [...pending.keys()]) await flush(scoredAt);
  bar.update(size, totals);
  bar.stop();
  await refreshScoreDistribution(dataSource, provider);
  await dataSource.destroy();
  process.stdout.write(`${totals.rows} rows: ${totals.accepted} accepted, ${totals.rejected} rejected\n${samples.join('\n')}${samples.length ? '\n' : ''}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
