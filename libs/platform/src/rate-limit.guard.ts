import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerOptions, ThrottlerRequest } from '@nestjs/throttler';
import { LAST_RULES, rateLimitedError } from './rate-limit.rules';

/** @nestjs/throttler's metadata key of @SkipThrottle() (not exported by the package). */
const THROTTLER_SKIP = 'THROTTLER:SKIP';

/**
 * The platform's throttler guard: a throttler whose tracker is empty does not apply to the
 * request (e.g. the per-account limit for an anonymous caller), and a refusal is a
 * 429 RATE_LIMITED in the API's error shape with a plain `Retry-After` header.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /**
   * Checks every applicable limit at once rather than one after another: the Redis calls leave
   * in one auto-pipelined write, so a request pays one round trip however many limits apply.
   * The rules marked `last` are counted after, only when the others let the request through.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const applicable = this.throttlers
      .filter((throttler) => !this.reflector.getAllAndOverride<boolean>(`${THROTTLER_SKIP}${throttler.name}`, targets))
      .filter((throttler) => !(throttler.skipIf ?? this.commonOptions.skipIf)?.(context));
    await this.checkAll(context, applicable.filter((throttler) => !LAST_RULES.has(throttler.name ?? '')));
    await this.checkAll(context, applicable.filter((throttler) => LAST_RULES.has(throttler.name ?? '')));
    return true;
  }

  private async checkAll(context: ExecutionContext, throttlers: ThrottlerOptions[]): Promise<void> {
    const checks = throttlers.map((throttler) =>
      this.handleRequest({
        context,
        throttler,
        limit: Number(throttler.limit),
        ttl: Number(throttler.ttl),
        blockDuration: Number(throttler.blockDuration ?? throttler.ttl),
        getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
        generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
      }),
    );
    const outcomes = await Promise.allSettled(checks);
    const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (refused) throw refused.reason;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = props;
    const { req, res } = this.getRequestResponse(context);
    const tracker = await getTracker(req, context);
    if (!tracker) return true;
    const name = throttler.name ?? 'default';
    const record = await this.storageService.increment(generateKey(context, tracker, name), ttl, limit, blockDuration, name);
    if (!record.isBlocked) return true;
    const retryAfter = Math.max(1, record.timeToBlockExpire);
    this.setResponseHeader(res, 'Retry-After', retryAfter);
    throw rateLimitedError(name, retryAfter);
  }
}

/** Keeps addresses and emails out of Redis key names. */
export function hashTracker(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
