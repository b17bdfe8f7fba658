import { JwtService } from '@nestjs/jwt';
import { Role, UUID } from '@app/domain';
import { AccessTokenClaims, AuthUser } from './auth-user';

const VERIFIED = Symbol('perks.verifiedUser');

export interface RequestWithBearer {
  headers: Record<string, string | string[] | undefined>;
  [VERIFIED]?: Promise<AuthUser | null>;
}

export function bearerToken(request: RequestWithBearer): string | null {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1] : null;
}

/**
 * The caller's verified identity, or null without a valid access token. Memoised on the request,
 * so the auth guard and the per-account rate limiter verify the signature once, in any order.
 */
export function verifiedUser(request: RequestWithBearer, jwt: JwtService): Promise<AuthUser | null> {
  request[VERIFIED] ??= verify(bearerToken(request), jwt);
  return request[VERIFIED];
}

interface VerifiedToken {
  user: AuthUser;
  until: number;
}

/** Verified tokens per signing service: a client sends the same token on every request until it expires. */
const verifiedTokens = new WeakMap<JwtService, Map<string, VerifiedToken>>();
const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_TTL_MS = 5 * 60_000;

function isLowerUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value) && value === value.toLowerCase();
}

async function verify(token: string | null, jwt: JwtService): Promise<AuthUser | null> {
  if (!token) return null;
  let cache = verifiedTokens.get(jwt);
  const now = Date.now();
  const hit = cache?.get(token);
  if (hit && hit.until > now) return hit.user;
  try {
    const claims = await jwt.verifyAsync<AccessTokenClaims & { exp?: number }>(token);
    // Only tokens shaped as the platform issues them: a known role, a user id as PostgreSQL spells
    // it (lower case), an expiry, and a brand id for brands alone.
    const { brandId = null, exp } = claims;
    const shaped = Object.values(Role).includes(claims.role) && isLowerUuid(claims.sub) && (claims.role === Role.Brand ? isLowerUuid(brandId) : brandId === null);
    if (!shaped || typeof exp !== 'number') return null;
    const user = { id: claims.sub, role: claims.role, brandId };
    if (!cache) verifiedTokens.set(jwt, (cache = new Map()));
    if (cache.size >= VERIFIED_TOKENS_MAX) cache.clear();
    cache.set(token, { user, until: Math.min(exp * 1000, now + VERIFIED_TOKEN_TTL_MS) });
    return user;
  } catch {
    return null;
  }
}
