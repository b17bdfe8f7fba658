import { Controller, Get, Headers, Inject, Injectable, Module, NestMiddleware, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, register } from 'prom-client';
import { Public, sameSecret } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';

collectDefaultMetrics();

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  // Up to the request timeout (REQUEST_TIMEOUT_MS, 30 s by default): a slow answer is seen as slow, not as "over 5 s".
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** Set on a response whose request reached Nest's middleware (and so its request log and timer). */
const ROUTED = Symbol('routed');

/** Times every request under its route pattern (not the raw URL, to bound label cardinality). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    (res as unknown as Record<symbol, boolean>)[ROUTED] = true;
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  }
}

/**
 * For the middleware that runs before the body parser: a request answered before it reaches Nest's
 * middleware (a body the parser refuses: 400, 413, 415; the web console's files) is timed under
 * route `unrouted` and logged as the request log logs the others.
 */
export function observeUnrouted(req: IncomingMessage, res: ServerResponse, log: (fields: object, message: string) => void): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    if ((res as unknown as Record<symbol, boolean>)[ROUTED]) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    observeHttpRequest(req.method ?? 'UNKNOWN', 'unrouted', res.statusCode, seconds);
    // A request that reached the request logger (pino-http sets req.log) but no route of ours,
    // such as the queue dashboard's, is logged by it already.
    if ('log' in req) return;
    log({ req: Object.assign(req, { id: String(res.getHeader('X-Request-Id') ?? '') }), res, responseTime: Math.round(seconds * 1000) }, 'request completed');
  });
}

/** Records a request answered outside Express (a lean route), under the same metric. */
export function observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
  httpDuration.observe({ method, route, status: String(status) }, seconds);
}

/**
 * Open by default (a local Prometheus scrapes it); with METRICS_TOKEN set, only a scraper that
 * presents it as a bearer token reads it (the API's port is public in production).
 */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: METRICS_TOKEN is set and the request does not present it as `Authorization: Bearer <METRICS_TOKEN>`' })
  metrics(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    const token = this.config.metricsToken;
    // The auth scheme's name is case-insensitive (RFC 9110), the token is not.
    const presented = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token && !sameSecret(presented ?? '', token)) {
      throw new DomainError(ErrorCode.Unauthorized, 'GET /metrics needs the METRICS_TOKEN as a bearer token');
    }
    // Set here, not with @Header: that one would also label the error body above as text.
    res.type(register.contentType);
    return register.metrics();
  }
}

/** Prometheus metrics at GET /metrics: process defaults, HTTP timings and whatever features register. */
@Module({ controllers: [MetricsController], providers: [HttpMetricsMiddleware], exports: [HttpMetricsMiddleware] })
export class MetricsModule {}
