import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ScoreBatchDto } from './dto/score-batch.dto';

/** A provider clock a little ahead is fine; a scoredAt far in the future would pin the score forever. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Whether a batch's scoredAt is one to take: a valid instant, not in the future. */
export function isTakenScoredAt(at: Date, now = Date.now()): boolean {
  return !Number.isNaN(at.getTime()) && at.getTime() <= now + MAX_CLOCK_SKEW_MS;
}

/**
 * A scoredAt read as `POST /scores/batch` reads its body's (ScoreBatchDto: ISO 8601, UTC when it
 * names no zone whatever the host's time zone; not in the future), or null. `scores:import` reads
 * its CSV column with it: `new Date` took the host's local time and whatever Date.parse takes ("1").
 */
export function readScoredAt(raw: string): Date | null {
  const dto = plainToInstance(ScoreBatchDto, { scoredAt: raw, scores: [] });
  if (validateSync(dto).length) return null;
  const at = new Date(dto.scoredAt);
  return isTakenScoredAt(at) ? at : null;
}
