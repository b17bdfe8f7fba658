import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import { Observable, throwError } from 'rxjs';
import { DomainError, ErrorCode } from '@app/domain';

/** Parameters through which a handler reads the raw request or body itself (and so checks it itself). */
const RAW_READERS = new Set<number>([RouteParamtypes.REQUEST, RouteParamtypes.RAW_BODY]);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** How a route takes its body: none, a JSON DTO, or the raw request (CSV uploads, webhooks). */
type BodyKind = 'none' | 'json' | 'raw';

/**
 * What a request's body may be, answered before the handler runs:
 * - API.md: unknown body fields are rejected (400), never silently applied. A route that takes no
 *   body (launch, approve, retry, …) has no DTO for the validation pipe to hold fields against, so
 *   every field sent to it is unknown: answered as the pipe answers one.
 * - A route that takes a JSON DTO, or no body, answers a body of another type with 415, not with
 *   the validation errors of an empty body or as if it had none (the JSON parser reads only
 *   application/json: `DELETE /me` with a text body is not an erasure the client asked for).
 */
@Injectable()
export class RequestBodyInterceptor implements NestInterceptor {
  private readonly kinds = new WeakMap<object, BodyKind>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (!WRITES.has(request.method)) return next.handle();
    const kind = this.bodyKind(context);
    if (kind !== 'raw' && hasBody(request) && !request.is('application/json')) {
      const type = request.headers['content-type'] ?? 'none';
      const takes = kind === 'json' ? 'an application/json body' : 'no body (or an empty JSON object)';
      return throwError(() => new DomainError(ErrorCode.UnsupportedMediaType, `This route takes ${takes}, not ${type}`));
    }
    const { body } = request as { body?: unknown };
    if (kind !== 'none' || body === null || typeof body !== 'object') return next.handle();
    const fields = Object.keys(body);
    if (!fields.length) return next.handle();
    const details = fields.map((field) => ({ field, errors: [`property ${field} should not exist`] }));
    return throwError(() => new DomainError(ErrorCode.ValidationFailed, `Invalid input: ${fields.join(', ')}`, details));
  }

  private bodyKind(context: ExecutionContext): BodyKind {
    const handler = context.getHandler();
    let kind = this.kinds.get(handler);
    if (kind === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      const types = Object.keys(args).map((key) => Number(key.split(':')[0]));
      kind = types.some((type) => RAW_READERS.has(type)) ? 'raw' : types.includes(RouteParamtypes.BODY) ? 'json' : 'none';
      this.kinds.set(handler, kind);
    }
    return kind;
  }
}

/** As Node's HTTP parser sees it: a request with a body announces its length or a chunked encoding. */
function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}
