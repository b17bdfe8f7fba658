import Redis from 'ioredis';
import { createRedis } from '@app/queue';

/**
 * The relay's mark in Redis: Redis's own clock (epoch ms) when the relay last saw BullMQ take a
 * batch, or last checked. Set after the batch's jobs were acknowledged, so a Redis whose data
 * holds a mark also holds every job acknowledged before it was set, whatever Redis lost later.
 * MARK moves it forward only (several relays set it), and only while it exists: a missing mark
 * means Redis lost everything, and the check must see that before anything sets it again. Nor
 * does it move a mark older than the caller saw: Redis went back in time, and a batch marking
 * first (the check runs once a second) would hide that from the check for good.
 * Beside it, the newest published_at of a batch BullMQ took (PostgreSQL's clock, epoch µs): rows
 * published later are what a Redis holding it lacks, whatever the two clocks say of each other.
 * KEYS mark, published; ARGV create (1: set it even when missing or older), the caller's newest
 * mark (epoch ms, or 0), the batch's published_at (or '') → the mark now, or false when missing.
 */
const MARK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('GET', KEYS[1])
if not raw and ARGV[1] ~= '1' then return false end
local kept = tonumber(raw or '')
if kept and ARGV[1] ~= '1' and kept < tonumber(ARGV[2]) then return tostring(kept) end
if ARGV[3] ~= '' and (tonumber(redis.call('GET', KEYS[2]) or '') or 0) < tonumber(ARGV[3]) then redis.call('SET', KEYS[2], ARGV[3]) end
if kept and kept >= now then return tostring(kept) end
redis.call('SET', KEYS[1], tostring(now))
return tostring(now)`;

/** KEYS mark, published → {the mark or false, Redis's clock in epoch ms, the published_at beside the mark or false}. */
const READ_MARK = `
local t = redis.call('TIME')
return {redis.call('GET', KEYS[1]), tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), redis.call('GET', KEYS[2])}`;

/**
 * How long a row's publish may take, from its published_at (the claiming transaction's start) to
 * BullMQ's acknowledgement (the claim statement, then the publish itself, given up after the
 * relay's publish timeout): rows published this long before the newest a Redis holds may still be
 * missing from it (another lane's). Ample, as it also covers the clocks of Redis and PostgreSQL
 * drifting apart while a Redis holds a mark only (set by a release before it held published_at).
 */
const MARK_SLACK_MS = 60_000;
/** A relay marks at least once a second while it runs; a mark older than this has no relay watching it. */
const MARK_STALE_MS = 5_000;

/** What the mark says of the data Redis holds. */
export type RedisKept =
  | { state: 'kept' }
  /** no mark: Redis lost everything */
  | { state: 'lost' }
  /**
   * Redis went back in time (restored from an older snapshot): it may lack the rows published
   * after `since` (epoch µs); when the check could not tell a restore from relays that were
   * only down, only if a row was published after `ifPublishedAfter` at all.
   */
  | { state: 'went-back'; keptAt: Date; since: number; ifPublishedAfter: number | null };

type MarkRedis = Redis & {
  relayMark(key: string, publishedKey: string, create: string, seen: string, published: string): Promise<string | null>;
  relayReadMark(key: string, publishedKey: string): Promise<[string | null, string, string | null]>;
};

/** One relay's view of the mark: it reads it once a second, and moves it after every batch. */
export class RedisKeptMark {
  private redis?: MarkRedis;
  /** The newest mark this relay set or saw (Redis's clock, epoch ms); Redis's must never be older. */
  private marked?: number;

  constructor(
    private readonly redisUrl: string,
    private readonly redisPrefix: string,
  ) {}

  /**
   * Missing, Redis lost everything; older than a mark this relay saw, Redis went back in time,
   * and so it did when a relay starts to find a mark no relay kept fresh (the services were down
   * across the restore).
   */
  async read(): Promise<RedisKept> {
    // Read before the call: a batch marking meanwhile must not pass for Redis's own mark.
    const seen = this.marked;
    const [raw, clock, rawPublished] = await this.client().relayReadMark(...this.keys());
    if (raw === null) return { state: 'lost' };
    // A mark of the release before marks held a time was trusted while it existed: so it is still.
    const kept = Number.isFinite(Number(raw)) ? Number(raw) : Number(clock);
    if (seen !== undefined ? kept >= seen : kept >= Number(clock) - MARK_STALE_MS) return { state: 'kept' };
    // Rows are told by PostgreSQL's clock, as they were stamped; by Redis's only when no batch left one.
    const published = rawPublished !== null ? Number(rawPublished) : kept * 1000;
    // Starting up, a stale mark may only mean that the relays were down: Redis lacks something
    // only if rows were published after it.
    return { state: 'went-back', keptAt: new Date(kept), since: published - MARK_SLACK_MS * 1000, ifPublishedAfter: seen === undefined ? published : null };
  }

  /**
   * Moves the mark to Redis's clock now, with the batch's published_at (epoch µs) if any. Only
   * what was relayed again may set a missing or older mark (`create`): a batch's or a check's
   * call may reach a Redis restored since the read (it waits in the client while Redis is away).
   */
  async move(create: boolean, published = ''): Promise<void> {
    const mark = await this.client().relayMark(...this.keys(), create ? '1' : '0', String(this.marked ?? 0), published);
    if (mark === null) return;
    // Once relayed again, the mark of the Redis now serving is the one to watch, though older than
    // this relay saw: a replica promoted may keep a clock behind its former primary's, and each
    // check until it caught up would pass for another restore and relay every row again.
    this.marked = create ? Number(mark) : Math.max(this.marked ?? 0, Number(mark));
  }

  disconnect(): void {
    this.redis?.disconnect();
  }

  private keys(): [string, string] {
    return [`${this.redisPrefix}:outbox:redis-kept`, `${this.redisPrefix}:outbox:redis-kept:published`];
  }

  private client(): MarkRedis {
    if (!this.redis) {
      const redis = createRedis(this.redisUrl).on('error', () => undefined) as MarkRedis;
      redis.defineCommand('relayMark', { numberOfKeys: 2, lua: MARK });
      redis.defineCommand('relayReadMark', { numberOfKeys: 2, lua: READ_MARK });
      this.redis = redis;
    }
    return this.redis;
  }
}
