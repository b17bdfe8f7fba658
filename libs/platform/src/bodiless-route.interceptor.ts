import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Observable, throwError } from 'rxjs';
import { DomainError, ErrorCode } from '@app/domain';

/** Parameters through which a handler reads the body itself (and so validates it itself). */
const BODY_READERS = new Set<number>([RouteParamtypes.BODY, RouteParamtypes.REQUEST, RouteParamtypes.RAW_BODY]);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * API.md: unknown body fields are rejected (400), never silently applied. A route that takes no
 * body (launch, approve, retry, …) has no DTO for the validation pipe to hold fields against, so
 * every field sent to it is unknown: answered here as the pipe answers one, before the handler runs.
 */
@Injectable()
export class BodilessRouteInterceptor implements NestInterceptor {
  private readonly readsBody = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ method: string; body?: unknown }>();
    const { body } = request;
    if (!WRITES.has(request.method) || body === null || typeof body !== 'object' || this.takesBody(context)) return next.handle();
    const fields = Object.keys(body);
    if (!fields.length) return next.handle();
    const details = fields.map((field) => ({ field, errors: [`property ${field} should not exist`] }));
    return throwError(() => new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${fields.join(', ')}`, details));
  }

  private takesBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.readsBody.get(handler);
    if (known === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      known = Object.keys(args).some((key) => BODY_READERS.has(Number(key.split(':')[0])));
      this.readsBody.set(handler, known);
    }
    return known;
  }
}
