import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountCheck, AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
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
 * that erases forgets it at once.
 */
@Injectable()
export class LiveAccounts implements AccountCheck {
  /** user id → the role and brand the account was seen live with, until when */
  private readonly live = new Map<string, { as: string; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 401 unless the token's account exists, not erased, with the role and brand the token names. */
  async assertLive(user: AuthUser): Promise<void> {
    // Seen live as this role and brand: a token naming another role for the same id is read again.
    const as = `${user.role}|${user.brandId ?? ''}`;
    const seen = this.live.get(user.id);
    if (seen && seen.as === as && seen.until > Date.now()) return;
    // Guards run before the request-timeout interceptor: this read keeps to the same bound.
    const [row]: { live: boolean }[] = await withinRequestTimeout(
      this.dataSource.query(`SELECT erased_at IS NULL AS live FROM users WHERE id = $1 AND role = $2 AND brand_id IS NOT DISTINCT FROM $3`, [
        user.id,
        user.role,
        user.brandId,
      ]),
      this.config.requestTimeoutMs,
    );
    if (!row?.live) throw new DomainError(ErrorCode.Unauthorized, 'The account no longer exists');
    if (this.live.size >= LIVE_MAX) this.live.clear();
    this.live.set(user.id, { as, until: Date.now() + LIVE_FOR_MS });
  }

  forget(userId: string): void {
    this.live.delete(userId);
  }
}
