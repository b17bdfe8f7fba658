import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { AccessTokenClaims, AuthUser } from './auth-user';
import { IS_PUBLIC, ROLES } from './decorators';

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(),
 * and the caller's role must be one of @Roles() when given.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: AuthUser }>();
    request.user = await this.authenticate(request.headers.authorization);

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.user.role)) {
      throw new DomainError(ErrorCode.Forbidden, 'Your role may not perform this action');
    }
    return true;
  }

  private async authenticate(header: string | undefined): Promise<AuthUser> {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw new DomainError(ErrorCode.Unauthorized, 'A bearer access token is required');
    try {
      const claims = await this.jwt.verifyAsync<AccessTokenClaims>(match[1]);
      if (!Object.values(Role).includes(claims.role) || typeof claims.sub !== 'string') throw new Error('bad claims');
      return { id: claims.sub, role: claims.role, brandId: claims.brandId ?? null };
    } catch {
      throw new DomainError(ErrorCode.Unauthorized, 'The access token is invalid or expired');
    }
  }
}
