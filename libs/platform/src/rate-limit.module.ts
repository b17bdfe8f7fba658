import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { ThrottlerModule, ThrottlerOptions } from '@nestjs/throttler';
import { RequestWithBearer, verifiedUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { RateLimitGuard } from './rate-limit.guard';
import { ipTracker, loginSubject, loginTracker, RouteRateLimiter } from './rate-limit.limiter';
import { RATE_LIMIT_RULES, RateLimitTracker, routeBucket, UNLIMITED_ROUTES } from './rate-limit.rules';
import { RedisThrottlerStorage } from './rate-limit.storage';

interface LimitedRequest extends RequestWithBearer {
  method: string;
  ip?: string;
  route?: { path?: unknown };
  body?: unknown;
}

function routeOf(req: LimitedRequest): string {
  const path = typeof req.route?.path === 'string' ? req.route.path : '';
  return `${req.method} ${path.replace(/:[^/]+/g, ':param')}`;
}

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<LimitedRequest>();

/**
 * The account a login or password change targets (the email typed, or the signed-in account),
 * tracked from every address together or (`perClient`) from the request's address alone.
 */
async function loginTarget(req: LimitedRequest, jwt: JwtService, perClient: boolean): Promise<string> {
  let subject = '';
  if (routeOf(req) === 'POST /auth/login') {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    if (typeof email === 'string') subject = loginSubject({ email });
  } else {
    const accountId = (await verifiedUser(req, jwt))?.id;
    if (accountId) subject = loginSubject({ accountId });
  }
  if (!subject) return '';
  return loginTracker(subject, perClient ? (req.ip ?? 'unknown') : undefined);
}

@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * Rate limits shared by every instance through Redis: per IP and per account on every route,
 * plus stricter buckets for login (per IP and per targeted account, where a successful login
 * takes its attempt back), registration (per IP) and claims (per member). Every count comes
 * from RATE_LIMIT_* (0 turns a limit off); per-IP limits skip RATE_LIMIT_EXEMPT_IPS.
 * `RouteRateLimiter` applies the same rules to routes answered outside Nest's pipeline.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [APP_CONFIG, RedisThrottlerStorage, JwtService],
      useFactory: (config: AppConfig, storage: RedisThrottlerStorage, jwt: JwtService) => {
        const accountOf = async (req: LimitedRequest) => (await verifiedUser(req, jwt))?.id ?? '';
        const trackers: Record<RateLimitTracker, (req: LimitedRequest) => string | Promise<string>> = {
          ip: (req) => ipTracker(req.ip ?? 'unknown', config.rateLimit.exemptIps),
          account: accountOf,
          'login-account': (req) => loginTarget(req, jwt, false),
          'login-client': (req) => loginTarget(req, jwt, true),
        };
        return {
          storage,
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
          throttlers: RATE_LIMIT_RULES.map(({ name, setting, tracker, bucket }): ThrottlerOptions => {
            const limit = config.rateLimit[setting];
            return {
              name,
              limit,
              ttl: config.rateLimit.windowSeconds * 1000,
              getTracker: (req) => trackers[tracker](req as LimitedRequest),
              skipIf: (context) => {
                const route = routeOf(requestOf(context));
                return limit === 0 || UNLIMITED_ROUTES.has(route) || (bucket !== undefined && routeBucket(route) !== bucket);
              },
            };
          }),
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }, RouteRateLimiter],
  exports: [RouteRateLimiter],
})
export class RateLimitModule {}
