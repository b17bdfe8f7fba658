import { createHmac } from 'node:crypto';

const base64url = (input: string | Buffer) => Buffer.from(input).toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Signs an HS256 access token exactly as the platform's JwtService does, so the bench can
 * act as thousands of members without a login round trip (argon2) per member.
 */
export function signAccessToken(
  secret: string,
  claims: { sub: string; role: 'member' | 'brand' | 'admin'; brandId: string | null },
  ttlSeconds = 86400,
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(JSON.stringify({ ...claims, iat: now, exp: now + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
