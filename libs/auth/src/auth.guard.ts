import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { AuthUser } from './auth-user';
import { IS_PUBLIC, ROLES } from './decorators';
import { bearerToken, RequestWithBearer, verifiedUser } from './verify-request';

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

    const request = context.switchToHttp().getRequest<RequestWithBearer & { user?: AuthUser }>();
    request.user = await this.authenticate(request);

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.user.role)) {
      throw new DomainError(ErrorCode.Forbidden, 'Your role may not perform this action');
    }
    return true;
  }

  private async authenticate(request: RequestWithBearer): Promise<AuthUser> {
    if (!bearerToken(request)) throw new DomainError(ErrorCode.Unauthorized, 'A bearer access token is required');
    const user = await verifiedUser(request, this.jwt);
    if (!user) throw new DomainError(ErrorCode.Unauthorized, 'The access token is invalid or expired');
    return user;
  }
}
