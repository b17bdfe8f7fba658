import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ErrorCode } from '@app/domain';
import { claimGateKeys, createRedis, throttled } from '@app/queue';
import { DROP_ABANDONED, LOAD, RESERVE, SETTLE } from './claim-gate.scripts';
import { ClaimLookupsService } from './claim-lookups.service';

export interface ReservedClaim {
  id: string;
  campaignId: string;
  createdAt: string;
}

/** A refusal as first answered, kept under its Idempotency-Key so that replays get it again. */
export interface StoredRefusal {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** What the gate holds under an Idempotency-Key: a claim being written or committed, or a refusal. */
export type GateMarker = { claim: ReservedClaim; committed: boolean } | { refusal: StoredRefusal };

export type GateOutcome =
  /** `slot`: the member's live claims counting this one, per the gate */
  | { kind: 'ok'; epoch: string; slot: number }
  | { kind: 'replay'; claim: ReservedClaim; committed: boolean }
  | { kind: 'refused'; refusal: StoredRefusal }
  | { kind: 'closed' | 'limit' | 'sold_out' }
  /** Redis is unreachable or the gate is off: PostgreSQL decides alone */
  | { kind: 'unavailable' };

/** `p|claim` while being written, `c|claim` once committed, `r|refusal` for a refused request. */
function parseMarker(raw: string): GateMarker {
  const body = JSON.parse(raw.slice(2)) as unknown;
  return raw.startsWith('r|') ? { refusal: body as StoredRefusal } : { claim: body as ReservedClaim, committed: raw.startsWith('c|') };
}

export type SettleMode = 'release' | 'sold_out' | 'limit' | 'closed';

const IDEMPOTENCY_TTL_S = 24 * 3600;
const STATE_TTL_S = 7 * 24 * 3600;
const LOAD_CHUNK = 5000;
const HEAL_INTERVAL_MS = 5000;
/** A Redis that answers but refuses (full under noeviction, read-only, slow) fails every call: warn this often at most. */
const WARN_INTERVAL_MS = 10_000;

type GateRedis = Redis & {
  claimGateReserve(...args: (string | number)[]): Promise<[string, string, number?]>;
  claimGateSettle(...args: (string | number)[]): Promise<number>;
  claimGateLoad(...args: (string | number)[]): Promise<number>;
  claimGateDropAbandoned(key: string, claimId: string): Promise<number>;
};

interface GateRow {
  total_units: number;
  claimed_units: number;
  per_member_limit: number;
  open: boolean;
  ends_ms: string;
}

/**
 * Admission counters for claims in Redis: stock and per-member counts decided atomically
 * by a Lua script, so refusals cost no PostgreSQL write. PostgreSQL stays the source of
 * truth: the gate is (re)loaded from it the first time this process uses a campaign, when
 * its keys are missing, after a Redis outage and on `refresh`; the claim writer re-checks
 * everything under row locks. If the gate counts too few, PostgreSQL refuses and the gate
 * takes its answer; if it counts too many (a crash between reserve and commit), `refresh` heals it.
 */
@Injectable()
export class ClaimGateService implements OnApplicationShutdown {
  private readonly logger = new Logger(ClaimGateService.name);
  private readonly redis: GateRedis;
  private readonly loaded = new Set<string>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly lastHeal = new Map<string, number>();
  private healthy = true;
  /** One per operation, so a failing reserve never hides a failing settle or reload. */
  private readonly warnFailed = {
    reserve: this.warner('claim gate unavailable'),
    settle: this.warner('claim gate settle failed'),
    refresh: this.warner('claim gate refresh failed'),
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lookups: ClaimLookupsService,
  ) {
    // Fail fast instead of queueing: while Redis is away claims go through PostgreSQL alone.
    this.redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, enableAutoPipelining: true }) as GateRedis;
    this.redis.defineCommand('claimGateReserve', { numberOfKeys: 3, lua: RESERVE });
    this.redis.defineCommand('claimGateSettle', { numberOfKeys: 3, lua: SETTLE });
    this.redis.defineCommand('claimGateLoad', { numberOfKeys: 3, lua: LOAD });
    this.redis.defineCommand('claimGateDropAbandoned', { numberOfKeys: 1, lua: DROP_ABANDONED });
    this.redis.on('error', () => {
      if (this.healthy) this.logger.warn('claim gate: Redis unreachable, claims go through PostgreSQL alone');
      this.healthy = false;
    });
    this.redis.on('ready', () => {
      // Claims accepted meanwhile moved PostgreSQL's counters: reload every gate before use.
      this.loaded.clear();
      this.healthy = true;
    });
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  get enabled(): boolean {
    return this.config.claimGateEnabled;
  }

  async reserve(campaignId: string, memberId: string, idempotencyKey: string, claim: ReservedClaim): Promise<GateOutcome> {
    if (!this.enabled || this.redis.status !== 'ready') return { kind: 'unavailable' };
    const keys = claimGateKeys(this.config.redisPrefix, campaignId);
    try {
      if (!this.loaded.has(campaignId)) await this.load(campaignId);
      for (let attempt = 0; attempt < 2; attempt++) {
        const [outcome, payload, count] = await this.redis.claimGateReserve(
          keys.state,
          keys.members,
          keys.idem(memberId, idempotencyKey),
          memberId,
          JSON.stringify(claim),
          IDEMPOTENCY_TTL_S,
          Date.now(),
        );
        if (outcome === 'miss') {
          await this.load(campaignId);
          continue;
        }
        if (outcome === 'ok') return { kind: 'ok', epoch: payload, slot: Number(count) };
        if (outcome === 'replay') {
          const marker = parseMarker(payload);
          return 'refusal' in marker ? { kind: 'refused', refusal: marker.refusal } : { kind: 'replay', ...marker };
        }
        return { kind: outcome as 'closed' | 'limit' | 'sold_out' };
      }
      return { kind: 'unavailable' };
    } catch (error) {
      this.warnFailed.reserve(`${campaignId}: ${(error as Error).message}`);
      return { kind: 'unavailable' };
    }
  }

  /** Reads an idempotency marker (a replay); null when there is none or Redis is away. */
  async peek(campaignId: string, memberId: string, idempotencyKey: string): Promise<GateMarker | null> {
    if (!this.enabled) return null;
    const raw = await this.redis.get(claimGateKeys(this.config.redisPrefix, campaignId).idem(memberId, idempotencyKey)).catch(() => null);
    return raw ? parseMarker(raw) : null;
  }

  /**
   * Keeps a refusal under its Idempotency-Key unless the key already holds an answer, and tells
   * which: null when this refusal is now the key's answer (or Redis is away: best effort, like
   * every marker), else the marker found — a refusal stored first by another copy of the request,
   * or a claim another copy is writing or has written.
   */
  async rememberRefusal(campaignId: string, memberId: string, idempotencyKey: string, refusal: StoredRefusal): Promise<GateMarker | null> {
    if (!this.enabled) return null;
    const key = claimGateKeys(this.config.redisPrefix, campaignId).idem(memberId, idempotencyKey);
    const value = `r|${JSON.stringify({ code: refusal.code, message: refusal.message, details: refusal.details })}`;
    try {
      if (await this.redis.set(key, value, 'EX', IDEMPOTENCY_TTL_S, 'NX')) return null;
      const stored = await this.redis.get(key);
      // Gone meanwhile (a claim in flight was refused and released): try again.
      return stored ? parseMarker(stored) : this.rememberRefusal(campaignId, memberId, idempotencyKey, refusal);
    } catch {
      return null;
    }
  }

  /**
   * Drops the member's markers (an erasure: a kept NOT_ELIGIBLE names their scores, country and
   * age). Never throws: markers Redis keeps meanwhile expire within a day.
   */
  async forgetMember(memberId: string): Promise<void> {
    try {
      const stream = this.redis.scanStream({ match: `${this.config.redisPrefix}:claimgate:*:idem:${memberId}:*`, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        // One key at a time: a campaign's keys share a Redis Cluster slot, different campaigns do not.
        for (const key of keys) await this.redis.unlink(key);
      }
    } catch (error) {
      this.logger.warn(`claim gate: markers of an erased member not dropped: ${(error as Error).message}`);
    }
  }

  /** Marks reserved claims as durable so replays answer at once. Best effort. */
  async committed(entries: { campaignId: string; memberId: string; idempotencyKey: string; claim: ReservedClaim }[]): Promise<void> {
    // Plain commands, not an explicit pipeline: auto-pipelining sends the markers of every claim
    // a commit batch answers in the same event-loop turn as one socket write.
    await Promise.all(
      entries.map((e) => {
        const key = claimGateKeys(this.config.redisPrefix, e.campaignId).idem(e.memberId, e.idempotencyKey);
        return this.redis.set(key, `c|${JSON.stringify(e.claim)}`, 'EX', IDEMPOTENCY_TTL_S).catch(() => undefined);
      }),
    );
  }

  /** Tells the gate what PostgreSQL decided about a reserved claim it did not store. */
  async settle(campaignId: string, memberId: string, idempotencyKey: string, epoch: string, mode: SettleMode): Promise<void> {
    const keys = claimGateKeys(this.config.redisPrefix, campaignId);
    await this.redis
      .claimGateSettle(keys.state, keys.members, keys.idem(memberId, idempotencyKey), epoch, memberId, mode)
      .catch((error: Error) => this.warnFailed.settle(`${campaignId}: ${error.message}`));
  }

  /**
   * Re-reads total, claimed units, status and per-member counts from PostgreSQL. Call it after
   * anything that changes them outside the claim path (inventory adjustments, status changes,
   * failed or cancelled claims). Never throws: without Redis the gate is reloaded when it returns.
   */
  async refresh(campaignId: string): Promise<void> {
    this.lookups.forgetCampaign(campaignId);
    if (!this.enabled) return;
    await this.load(campaignId).catch((error: Error) => {
      this.loaded.delete(campaignId);
      this.warnFailed.refresh(`${campaignId}: ${error.message}`);
    });
  }

  /**
   * The gate counts more than PostgreSQL holds (a unit, or a member's claims): a reservation
   * leaked, e.g. its process died between reserve and commit. Reloads the campaign, at most
   * every few seconds: one reload heals every reservation that leaked before it.
   */
  heal(campaignId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastHeal.get(campaignId) ?? 0) < HEAL_INTERVAL_MS) return Promise.resolve();
    this.lastHeal.set(campaignId, now);
    return this.refresh(campaignId);
  }

  /**
   * Frees an Idempotency-Key whose claim was reserved but never stored (its process died, or its
   * write outlived the request), unless the key has moved on meanwhile, and heals the counters it
   * held. Never throws.
   */
  async dropAbandoned(campaignId: string, memberId: string, idempotencyKey: string, claimId: string): Promise<void> {
    const key = claimGateKeys(this.config.redisPrefix, campaignId).idem(memberId, idempotencyKey);
    const dropped = await this.redis.claimGateDropAbandoned(key, claimId).catch(() => 0);
    if (dropped) await this.heal(campaignId);
  }

  /** `<what> for <campaign>: <error>`, at most every WARN_INTERVAL_MS, with the count left out since. */
  private warner(what: string): (detail: string) => void {
    return throttled<string>(WARN_INTERVAL_MS, (detail, leftOut) =>
      this.logger.warn(`${what} for ${detail}${leftOut ? ` (${leftOut} more since the last warning)` : ''}`),
    );
  }

  private load(campaignId: string): Promise<void> {
    let pending = this.loading.get(campaignId);
    if (!pending) {
      pending = this.loadNow(campaignId).finally(() => this.loading.delete(campaignId));
      this.loading.set(campaignId, pending);
    }
    return pending;
  }

  private async loadNow(campaignId: string): Promise<void> {
    const [[row], members] = await Promise.all([
      this.dataSource.query(
        `SELECT total_units, claimed_units, per_member_limit,
                (status = 'active' AND NOT claims_frozen AND (starts_at IS NULL OR starts_at <= now())) AS open,
                (extract(epoch FROM ends_at) * 1000)::bigint::text AS ends_ms
         FROM campaigns WHERE id = $1`,
        [campaignId],
      ) as Promise<GateRow[]>,
      this.dataSource.query(
        `SELECT member_id, count(*)::int AS n FROM claims
         WHERE campaign_id = $1 AND status IN ('pending', 'fulfilled') GROUP BY member_id`,
        [campaignId],
      ) as Promise<{ member_id: string; n: number }[]>,
    ]);
    if (!row) return;
    const keys = claimGateKeys(this.config.redisPrefix, campaignId);
    const scratch = `${keys.members}:load:${randomBytes(6).toString('hex')}`;
    const pipeline = this.redis.pipeline().hset(scratch, '_', '1').expire(scratch, 600);
    for (let i = 0; i < members.length; i += LOAD_CHUNK) {
      pipeline.hset(scratch, ...members.slice(i, i + LOAD_CHUNK).flatMap((m) => [m.member_id, String(m.n)]));
    }
    await pipeline.exec();
    const epoch = randomBytes(6).toString('hex');
    await this.redis.claimGateLoad(
      keys.state,
      keys.members,
      scratch,
      row.total_units,
      row.claimed_units,
      row.open ? '1' : '0',
      row.per_member_limit,
      row.ends_ms,
      epoch,
      STATE_TTL_S,
    );
    this.loaded.add(campaignId);
  }
}
