/**
 * `npm run seed:members -- 1000000`: generates scored members set-based (INSERT … SELECT over
 * generate_series), in chunks with a progress bar, into DATABASE_URL. Scores follow a
 * long-tailed (log-normal) distribution like Klout's; topics are Zipf-skewed; countries
 * and ages weighted. Each member gets a profile (85% opted in), a klout score and, for
 * about 60%, a correlated peerindex score, with history rows; distributions are refreshed
 * at the end.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/db';
import { refreshScoreDistribution } from '../apps/campaign-service/src/scores/score-distribution';

const CHUNK = 20_000;
const TOPICS = [
  'tech', 'gaming', 'music', 'food', 'travel', 'fashion', 'sports', 'fitness', 'movies', 'photography',
  'beauty', 'coffee', 'books', 'cars', 'parenting', 'finance', 'startups', 'art', 'design', 'science',
  'pets', 'outdoors', 'wine', 'comedy',
];
// Repetition weights the draw: about 30% US, then the larger markets.
const COUNTRIES = [
  ...Array(30).fill('US'), ...Array(10).fill('GB'), ...Array(8).fill('CA'), ...Array(8).fill('IN'), ...Array(7).fill('DE'),
  ...Array(7).fill('BR'), ...Array(6).fill('FR'), ...Array(5).fill('JP'), ...Array(5).fill('AU'), ...Array(4).fill('ES'),
  ...Array(4).fill('MX'), ...Array(3).fill('IT'), ...Array(3).fill('NL'), ...Array(2).fill('SE'), ...Array(2).fill('NG'),
] as string[];

const SEED_CHUNK_SQL = `
  WITH u AS (
    INSERT INTO users (email, role, display_name)
    SELECT 'seed-' || $1 || '-' || g || '@seed.invalid', 'member', 'Seed member ' || g FROM generate_series($2::int, $3::int) g
    RETURNING id
  ),
  m AS MATERIALIZED (
    SELECT id,
           ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] AS country,
           (current_date - (16 * 365 + floor(power(random(), 1.6) * 54 * 365))::int) AS birth_date,
           random() < 0.85 AS opted_in,
           -- log-normal: median about 34, long tail towards 100
           round(least(100, 8 + exp(3.25 + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 2)::float8 AS klout,
           random() < 0.6 AS has_peerindex,
           1 + floor(random() * random() * 5)::int AS topic_count
    FROM u
  ),
  t AS MATERIALIZED (
    SELECT m.*,
           round(least(100, greatest(0, m.klout * 0.8 + 10 + 15 * (random() - 0.5)))::numeric, 2)::float8 AS peerindex,
           (SELECT coalesce(jsonb_object_agg(topic, round(least(100, m.klout * (0.4 + random() * 0.8))::numeric, 1)), '{}'::jsonb)
            FROM (SELECT DISTINCT ($5::text[])[1 + floor(power(random(), 2.2) * cardinality($5::text[]))::int] AS topic
                  FROM generate_series(1, m.topic_count)) picked) AS topics
    FROM m
  ),
  p AS (
    INSERT INTO member_profiles (member_id, country, birth_date, opted_in) SELECT id, country, birth_date, opted_in FROM t
  ),
  scores AS MATERIALIZED (
    SELECT 'klout' AS provider, id, klout AS score, topics, opted_in, country, birth_date FROM t
    UNION ALL
    SELECT 'peerindex', id, peerindex, topics, opted_in, country, birth_date FROM t WHERE has_peerindex
  ),
  -- the profile rows above are not visible to the score trigger within this statement: copy them here
  s AS (
    INSERT INTO member_scores (provider, member_id, score, topics, scored_at, opted_in, country, birth_date)
    SELECT provider, id, score, topics, $6, opted_in, country, birth_date FROM scores
  )
  INSERT INTO score_history (provider, member_id, scored_at, score, topics) SELECT provider, id, $6, score, topics FROM scores`;

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(total) || total < 1) throw new Error('usage: npm run seed:members -- <count>');
  const config = loadConfig();
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl, 2));
  await dataSource.initialize();
  const run = randomBytes(3).toString('hex');
  const scoredAt = new Date().toISOString();
  const bar = new SingleBar({ format: 'seeding members [{bar}] {percentage}% | {value}/{total} | {rate}/s | eta {eta}s' }, Presets.shades_classic);
  const started = Date.now();
  bar.start(total, 0, { rate: 0 });
  for (let from = 1; from <= total; from += CHUNK) {
    const to = Math.min(total, from + CHUNK - 1);
    await dataSource.query(SEED_CHUNK_SQL, [run, from, to, COUNTRIES, TOPICS, scoredAt]);
    bar.update(to, { rate: Math.round(to / ((Date.now() - started) / 1000)) });
  }
  bar.stop();
  for (const provider of ['klout', 'peerindex']) await refreshScoreDistribution(dataSource, provider);
  await dataSource.query('ANALYZE users, member_profiles, member_scores, score_history');
  process.stdout.write(`seeded ${total} members (run ${run}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
