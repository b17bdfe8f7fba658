import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountCheck, AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MicroBatcher, preparedQuery } from '@app/db';
import { DomainError, ErrorCode } from '@app/domain';
import { withinRequestTimeout } from '@app/platform';

/** How long an account seen live is believed live by this instance (an erasure elsewhere shows within it). */
const LIVE_FOR_MS = 5_000;
const LIVE_MAX = 50_000;

/**
 * An access token outlives the erasure of its member (tokens are checked by signature alone); the
 * global auth guard asks this check (its ACCOUNT_CHECK) before the route's roles and answers such
 * a token 401 as `GET /me` does, on every route, so it can no longer read what is left of the
 * account (claims, offers, notifications). The same holds for a token whose account, role or brand
 * is not the one it names. An account seen live is not read again for a few seconds; the instance
 * that erases forgets it at once. Concurrent checks share one query.
 */
@Injectable()
export class LiveAccounts implements AccountCheck {
  /** user id → the role and brand the account was seen live with, until when */
  private readonly live = new Map<string, { as: string; until: number }>();
  private readonly reads: MicroBatcher<AuthUser, boolean>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.reads = new MicroBatcher((users) => this.read(users), { maxBatch: 1000, maxConcurrent: Math.min(2, config.databasePoolSize) });
  }

  /** 401 unless the token's account exists, not erased, with the role and brand the token names. */
  async assertLive(user: AuthUser): Promise<void> {
    // Seen live as this role and brand: a token naming another role for the same id is read again.
    const as = `${user.role}|${user.brandId ?? ''}`;
    const seen = this.live.get(user.id);
    if (seen && seen.as === as && seen.until > Date.now()) return;
    // Guards run before the request-timeout interceptor: this read keeps to the same bound.
    const live = await withinRequestTimeout(this.reads.submit(user), this.config.requestTimeoutMs);
    if (!live) throw new DomainError(ErrorCode.Unauthorized, 'The account no longer exists');
    if (this.live.size >= LIVE_MAX) this.live.clear();
    this.live.set(user.id, { as, until: Date.now() + LIVE_FOR_MS });
  }

  private async read(users: AuthUser[]): Promise<boolean[]> {
    const rows = await preparedQuery<{ live: boolean }>(
      this.dataSource,
      'live-accounts',
      `SELECT u.erased_at IS NULL AND u.id IS NOT NULL AS live
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS x(id, role, brand_id, i)
       LEFT JOIN users u ON u.id = x.id AND u.role = x.role AND u.brand_id IS NOT DISTINCT FROM x.brand_id
       ORDER BY x.i`,
      [users.map((u) => u.id), users.map((u) => u.role), users.map((u) => u.brandId)],
    );
    return rows.map((row) => row.live);
  }

  forget(userId: string): void {
    this.live.delete(userId);
  }
}
