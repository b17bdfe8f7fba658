import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_CONFIG, AppConfig, ConfigValidationError, loadConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/domain';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { jsonBodyParser } from './json-body';
import { RequestBodyInterceptor } from './request-body.interceptor';
import { answerClientErrorsInErrorShape } from './client-errors';
import { errorBody, HttpExceptionFilter } from './http-exception.filter';
import { bootLogger, requestIdOf } from './logger.module';
import { observeUnrouted } from './metrics';
import { RequestTimeoutInterceptor } from './request-timeout.interceptor';
import { createValidationPipe } from './validation';

const HELMET_OPTIONS = { contentSecurityPolicy: false } as const;

/** Body limits, headers, validation and error shape: the same in every service and in tests. */
export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get<AppConfig>(APP_CONFIG);
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  // Behind a load balancer the socket address is the balancer's: per-IP rate limits need the
  // forwarded client address, believed only from the proxies TRUST_PROXY names.
  express.set('trust proxy', config.trustProxy);
  // Headers and the request id first: a body the parser refuses is answered with them too.
  app.use(helmet(HELMET_OPTIONS));
  const logger = app.get(Logger);
  const adapter = app.getHttpAdapter();
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestIdOf(req, res);
    // As the message itself: nestjs-pino takes a second argument for the context.
    observeUnrouted(req, res, (fields, message) => logger.log({ ...fields, msg: message }));
    if (isClosing(adapter)) refuseWhileClosing(res);
    else next();
  });
  // Our own rather than Nest's (`useBodyParser`, `rawBody`): it keeps the raw body too, and holds the heap parsed bodies take.
  app.use(jsonBodyParser());
  // Browsers may call the API only from the listed origins; by default from none.
  app.enableCors(config.corsAllowedOrigins.length ? { origin: config.corsAllowedOrigins, maxAge: 600 } : { origin: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalInterceptors(new RequestBodyInterceptor(), new RequestTimeoutInterceptor(config.requestTimeoutMs));
  // Node answers 408 itself to a client that takes longer than this to send its request (slowloris).
  const server = app.getHttpServer() as Server;
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
  answerClientErrorsInErrorShape(server);
  // A service stopped on purpose exits 0 once its shutdown is done (a supervisor such as npm
  // start's tells it from a crash), and pino's buffers are flushed on the way out.
  app.enableShutdownHooks([], { useProcessExit: true });
}

/** Nest's HTTP adapter marks itself shutting down as the shutdown begins, before any hook runs. */
export function isClosing(adapter: unknown): boolean {
  return (adapter as { isShuttingDown?: boolean } | undefined)?.isShuttingDown === true;
}

/**
 * A request that arrives while the service shuts down (on a kept-alive connection; new ones are
 * no longer accepted): 503 with `Connection: close`, so the client retries on a new connection,
 * at another instance, and the server is not held open by clients that keep sending.
 */
function refuseWhileClosing(res: ServerResponse): void {
  const body = JSON.stringify(errorBody(new DomainError(ErrorCode.ServiceUnavailable, 'The service is shutting down; retry the request')));
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close', 'Retry-After': '1' });
  res.end(body);
}

/** The headers helmet sets on every response, for a lean route that answers outside Express. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name] = value),
    removeHeader: (name: string) => delete headers[name],
  };
  helmet(HELMET_OPTIONS)({} as never, response as never, () => undefined);
  return headers;
}

/** Validates the environment before anything starts; a bad value stops the process with its name. */
export function exitOnBadConfig(): void {
  try {
    loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** How long a worker's shutdown may take when the worker does not say (its jobs are short). */
const DEFAULT_SHUTDOWN_BOUND_MS = 15_000;

/**
 * Starts a worker service: its queue processors run in the Nest context, and a small
 * HTTP server answers /health and /metrics on `port(config)`. A SIGTERM or SIGINT ends the
 * process within `shutdownBoundMs(config)`: the jobs cut off are taken over once their lock expires.
 */
export async function bootstrapWorker<C>(
  module: Type<unknown>,
  port: (config: C) => number,
  configToken: symbol,
  shutdownBoundMs: (config: C) => number = () => DEFAULT_SHUTDOWN_BOUND_MS,
): Promise<void> {
  exitOnBadConfig();
  const app = await NestFactory.create(module, { logger: bootLogger() });
  configureHttpApp(app);
  const config = app.get<C>(configToken);
  exitWithinAfterSignal(app, shutdownBoundMs(config));
  await app.listen(port(config));
}

/**
 * A SIGTERM or SIGINT ends the process within `boundMs` even if a shutdown hook hangs (a query
 * blocked on a lock keeps the pool from closing, a client keeps a request open).
 *
 * Node stops timing requests out once its server closes, so a client stalled in the middle of
 * sending a request would hold the shutdown until that bound (and the exit code would call it a
 * crash). By the request timeout every request in progress has its answer, so the connections
 * still open then are cut, at the latest a second before the bound.
 */
export function exitWithinAfterSignal(app: INestApplication, boundMs: number): void {
  const server = app.getHttpServer() as Server;
  const cutAfterMs = Math.min(app.get<AppConfig>(APP_CONFIG).requestTimeoutMs, boundMs - 1_000);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => server.closeAllConnections(), cutAfterMs).unref();
      setTimeout(() => {
        process.stderr.write(`shutdown did not finish within ${boundMs} ms; exiting\n`);
        process.exit(1);
      }, boundMs).unref();
    });
  }
}
