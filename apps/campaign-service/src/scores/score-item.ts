import { TOPIC_SLUG, UUID } from '@app/domain';

/** Why one item of a score batch was refused; the rest of the batch still goes in. */
export enum ScoreRejectionCode {
  InvalidItem = 'INVALID_ITEM',
  UnknownMember = 'UNKNOWN_MEMBER',
  DuplicateItem = 'DUPLICATE_ITEM',
}

export interface ScoreItem {
  memberId: string;
  score: number;
  /** topic slug → score */
  topics: Record<string, number>;
}

export type ParsedScoreItem = { ok: true; item: ScoreItem } | { ok: false; code: ScoreRejectionCode; message: string };

const MAX_TOPICS = 50;
const ITEM_FIELDS = new Set(['memberId', 'score', 'topics']);
const TOPIC_FIELDS = new Set(['topic', 'score']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScore = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
const invalid = (message: string): ParsedScoreItem => ({ ok: false, code: ScoreRejectionCode.InvalidItem, message });

/** Validates one batch item on its own, so a bad item never sinks the batch. */
export function parseScoreItem(raw: unknown): ParsedScoreItem {
  if (!isRecord(raw)) return invalid('item must be an object');
  const unknownField = Object.keys(raw).find((key) => !ITEM_FIELDS.has(key));
  if (unknownField) return invalid(`unknown field ${unknownField}`);
  if (typeof raw.memberId !== 'string' || !UUID.test(raw.memberId)) return invalid('memberId must be a UUID');
  if (!isScore(raw.score)) return invalid('score must be a number from 0 to 100');
  const rawTopics = raw.topics ?? [];
  if (!Array.isArray(rawTopics) || rawTopics.length > MAX_TOPICS) return invalid(`topics must be an array of at most ${MAX_TOPICS}`);
  const topics: Record<string, number> = {};
  for (const [i, entry] of rawTopics.entries()) {
    if (!isRecord(entry) || Object.keys(entry).some((key) => !TOPIC_FIELDS.has(key))) return invalid(`topics[${i}] must be {topic, score}`);
    if (typeof entry.topic !== 'string' || entry.topic.length > 64 || !TOPIC_SLUG.test(entry.topic)) {
      return invalid(`topics[${i}].topic must be a lower-case slug`);
    }
    if (!isScore(entry.score)) return invalid(`topics[${i}].score must be a number from 0 to 100`);
    // an own-key test: `in` also sees Object.prototype, so the slug `constructor` looked repeated
    if (Object.prototype.hasOwnProperty.call(topics, entry.topic)) return invalid(`topics[${i}].topic ${entry.topic} is listed twice`);
    topics[entry.topic] = entry.score;
  }
  return { ok: true, item: { memberId: raw.memberId.toLowerCase(), score: raw.score, topics } };
}
