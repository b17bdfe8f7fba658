import { JwtService } from '@nestjs/jwt';
import { Role } from '@app/domain';
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

async function verify(token: string | null, jwt: JwtService): Promise<AuthUser | null> {
  if (!token) return null;
  try {
    const claims = await jwt.verifyAsync<AccessTokenClaims>(token);
    if (!Object.values(Role).includes(claims.role) || typeof claims.sub !== 'string') return null;
    return { id: claims.sub, role: claims.role, brandId: claims.brandId ?? null };
  } catch {
    return null;
  }
}
