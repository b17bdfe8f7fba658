import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccessTokenClaims } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { RefreshTokenRevokeReason, User } from '@app/db';
import { DomainError, ErrorCode } from '@app/domain';
import { SessionTokensDto } from './dto/auth.dto';

type SessionUser = Pick<User, 'id' | 'role' | 'brandId'>;

interface PresentedToken {
  id: string;
  user_id: string;
  family_id: string;
  expired: boolean;
  /** rotated within the reuse grace, in a session still live */
  just_rotated: boolean;
  revoke_reason: RefreshTokenRevokeReason | null;
  role: User['role'];
  brand_id: string | null;
  erased_at: Date | null;
}

function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Login sessions: a short-lived JWT access token plus an opaque refresh token. Each refresh
 * rotates the token within its family; presenting an already-rotated token means it was copied,
 * so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation), unless it was
 * rotated only moments ago (REFRESH_TOKEN_REUSE_GRACE_SECONDS), as Okta's and Auth0's reuse
 * intervals allow: tabs sharing a session cannot always see each other's renewal in time.
 */
@Injectable()
export class SessionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async accessToken(user: SessionUser): Promise<{ accessToken: string; expiresIn: number }> {
    const claims: AccessTokenClaims = { sub: user.id, role: user.role, brandId: user.brandId };
    return { accessToken: await this.jwt.signAsync(claims), expiresIn: this.config.jwt.ttlSeconds };
  }

  /** Starts a new session (a new token family). */
  start(user: SessionUser, manager: EntityManager = this.dataSource.manager): Promise<SessionTokensDto> {
    return this.issue(manager, user, randomUUID());
  }

  async refresh(presented: string): Promise<SessionTokensDto> {
    const tokenHash = hashRefreshToken(presented);
    const tokens = await this.dataSource.transaction(async (manager) => {
      // The user first, as a password change and an erasure lock it: one in flight is waited for
      // (and has revoked this token by then), one that comes later revokes the token issued here.
      await manager.query(`SELECT 1 FROM users u JOIN refresh_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 FOR SHARE OF u`, [tokenHash]);
      // The row lock makes two refreshes with the same token take turns: the second one finds the
      // token rotated. Moments after its rotation that is two tabs (or a retry whose answer was
      // lost) renewing at once, and it gets a pair of its own in the same session; later, the
      // token was copied, and the whole session ends.
      const [row] = (await manager.query(
        `SELECT t.id, t.user_id, t.family_id, t.revoke_reason, u.role, u.brand_id, u.erased_at,
                t.expires_at <= now()
                  -- the session's first token: a session ends SESSION_MAX_AGE_SECONDS after its login, however often renewed
                  OR (SELECT min(f.created_at) FROM refresh_tokens f WHERE f.family_id = t.family_id) <= now() - make_interval(secs => $2)
                  AS expired,
                t.revoke_reason = 'rotated' AND t.revoked_at > now() - make_interval(secs => $3)
                  -- and the session was not ended since (a logout, a password change, reuse)
                  AND EXISTS (SELECT 1 FROM refresh_tokens f WHERE f.family_id = t.family_id AND f.revoked_at IS NULL)
                  AS just_rotated
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = $1
            FOR UPDATE OF t`,
        [tokenHash, this.config.sessionMaxAgeSeconds, this.config.refreshTokenReuseGraceSeconds],
      )) as PresentedToken[];
      if (!row) return null;
      if (row.revoke_reason === 'rotated' && !row.just_rotated) {
        await this.revokeFamily(manager, row.family_id, 'reused');
        return null;
      }
      if ((row.revoke_reason && !row.just_rotated) || row.expired || row.erased_at) return null;
      if (!row.revoke_reason) await manager.query(`UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = 'rotated' WHERE id = $1`, [row.id]);
      return this.issue(manager, { id: row.user_id, role: row.role, brandId: row.brand_id }, row.family_id);
    });
    // Thrown outside the transaction so that a family revoked for reuse stays revoked.
    if (!tokens) throw new DomainError(ErrorCode.Unauthorized, 'The refresh token is invalid, expired or revoked');
    return tokens;
  }

  /** Ends the session the token belongs to; unknown tokens are ignored so logout reveals nothing. */
  async logout(presented: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = 'logout'
        WHERE revoked_at IS NULL
          AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)`,
      [hashRefreshToken(presented)],
    );
  }

  /** Ends every session of the user (password change). */
  async revokeAll(manager: EntityManager, userId: string, reason: RefreshTokenRevokeReason): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [
      userId,
      reason,
    ]);
  }

  private async revokeFamily(manager: EntityManager, familyId: string, reason: RefreshTokenRevokeReason): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = $2 WHERE family_id = $1 AND revoked_at IS NULL`, [
      familyId,
      reason,
    ]);
  }

  private async issue(manager: EntityManager, user: SessionUser, familyId: string): Promise<SessionTokensDto> {
    const refreshToken = randomBytes(32).toString('base64url');
    await manager.query(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [user.id, familyId, hashRefreshToken(refreshToken), this.config.refreshTokenTtlSeconds],
    );
    return { ...(await this.accessToken(user)), refreshToken };
  }
}
