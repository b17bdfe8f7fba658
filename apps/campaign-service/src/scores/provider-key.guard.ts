import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { sameSecret } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';

interface ProviderRequest {
  headers: Record<string, string | string[] | undefined>;
  scoreProvider?: string;
}

/** `X-Provider-Key` names the score provider; a missing or unknown key is 401 UNAUTHORIZED, as a missing or invalid token (API.md). */
@Injectable()
export class ProviderKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ProviderRequest>();
    const key = request.headers['x-provider-key'];
    const match =
      typeof key === 'string' ? [...this.config.scoreProviders.byKey].find(([candidate]) => sameSecret(key, candidate)) : undefined;
    if (!match) throw new DomainError(ErrorCode.Unauthorized, 'X-Provider-Key is missing or unknown');
    request.scoreProvider = match[1];
    return true;
  }
}

/** The provider {@link ProviderKeyGuard} authenticated. */
export const ScoreProvider = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<ProviderRequest>().scoreProvider as string;
});
