import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { normalizeIp, ThrottlerModule, ThrottlerOptions } from '@nestjs/throttler';
import { RequestWithBearer, verifiedUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { hashTracker, RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './rate-limit.storage';

type Bucket = 'login' | 'register' | 'claim';

interface LimitedRequest extends RequestWithBearer {
  method: string;
  ip?: string;
  route?: { path?: unknown };
  body?: unknown;
}

/** Routes with a stricter limit of their own, on top of the per-IP and per-account limits. */
const STRICT_ROUTES: Record<string, Bucket> = {
  'POST /auth/login': 'login',
  'POST /auth/password': 'login',
  'POST /auth/register': 'register',
  'POST /brands/register': 'register',
  'POST /campaigns/:param/claims': 'claim',
};

/**
 * Probes must keep answering under load; Stripe's webhook is authenticated by its signature
 * and arrives in bursts from a few IPs, and a 429 there only delays payments.
 */
const UNLIMITED_ROUTES = new Set(['GET /health', 'GET /metrics', 'POST /payments/stripe/webhook']);

function routeOf(req: LimitedRequest): string {
  const path = typeof req.route?.path === 'string' ? req.route.path : '';
  return `${req.method} ${path.replace(/:[^/]+/g, ':param')}`;
}

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<LimitedRequest>();
/** Hashed trackers of recent addresses: a client keeps its address, and hashing it on every request costs more than the lookup. */
const ipTrackers = new Map<string, string>();
const IP_TRACKERS_MAX = 10_000;

function ipOf(req: LimitedRequest): string {
  const ip = req.ip ?? 'unknown';
  let tracker = ipTrackers.get(ip);
  if (tracker === undefined) {
    if (ipTrackers.size >= IP_TRACKERS_MAX) ipTrackers.clear();
    tracker = hashTracker(normalizeIp(ip));
    ipTrackers.set(ip, tracker);
  }
  return tracker;
}

function loginAccount(req: LimitedRequest): string {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? hashTracker(email.trim().toLowerCase()) : '';
}

@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * Rate limits shared by every instance through Redis: per IP and per account on every route,
 * plus stricter buckets for login (per IP and per targeted account), registration (per IP)
 * and claims (per member). Every count comes from RATE_LIMIT_* (0 turns a limit off).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [APP_CONFIG, RedisThrottlerStorage, JwtService],
      useFactory: (config: AppConfig, storage: RedisThrottlerStorage, jwt: JwtService) => {
        const limits = config.rateLimit;
        const ttl = limits.windowSeconds * 1000;
        const accountOf = async (req: LimitedRequest) => (await verifiedUser(req, jwt))?.id ?? '';
        const throttler = (name: string, limit: number, getTracker: (req: LimitedRequest) => string | Promise<string>, bucket?: Bucket): ThrottlerOptions => ({
          name,
          limit,
          ttl,
          getTracker: (req) => getTracker(req as LimitedRequest),
          skipIf: (context) => {
            const route = routeOf(requestOf(context));
            return limit === 0 || UNLIMITED_ROUTES.has(route) || (bucket !== undefined && STRICT_ROUTES[route] !== bucket);
          },
        });
        return {
          storage,
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
          throttlers: [
            throttler('ip', limits.ip, ipOf),
            throttler('account', limits.account, accountOf),
            throttler('login-ip', limits.loginIp, ipOf, 'login'),
            throttler('login-account', limits.login, (req) => (routeOf(req) === 'POST /auth/login' ? loginAccount(req) : accountOf(req)), 'login'),
            throttler('register', limits.register, ipOf, 'register'),
            throttler('claim', limits.claim, accountOf, 'claim'),
          ],
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
