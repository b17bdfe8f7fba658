import { CanActivate, ExecutionContext, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { AuthUser } from './auth-user';
import { IS_PUBLIC, ROLES } from './decorators';
import { bearerToken, RequestWithBearer, verifiedUser } from './verify-request';

/**
 * What a service may check of the account behind a verified token (that it still exists, as the
 * token says), provided under this token; checked before the role, so a token of an account that
 * is gone is 401 on every route, never 403.
 */
export const ACCOUNT_CHECK = Symbol('ACCOUNT_CHECK');
export interface AccountCheck {
  assertLive(user: AuthUser): Promise<void>;
}

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), its account
 * must pass the service's ACCOUNT_CHECK, and the caller's role must be one of @Roles() when given.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private accounts!: AccountCheck;

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** A service that serves tokens must say how their accounts are checked: without it, the boot fails. */
  onModuleInit(): void {
    this.accounts = this.moduleRef.get<AccountCheck>(ACCOUNT_CHECK, { strict: false });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<RequestWithBearer & { user?: AuthUser }>();
    request.user = await this.authenticate(request);
    await this.accounts.assertLive(request.user);

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
