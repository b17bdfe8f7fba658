import { Server } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, loadConfig } from '@app/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { answerClientErrorsInErrorShape } from './client-errors';
import { HttpExceptionFilter } from './http-exception.filter';
import { RequestTimeoutInterceptor } from './request-timeout.interceptor';
import { createValidationPipe } from './validation';

/** Body limits, headers, validation and error shape: the same in every service and in tests. */
export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  // Behind a load balancer the socket address is the balancer's: per-IP rate limits need the
  // forwarded client address, believed only from the proxies TRUST_PROXY names.
  express.set('trust proxy', loadConfig().trustProxy);
  express.useBodyParser('json', { limit: '5mb' });
  app.use(helmet({ contentSecurityPolicy: false }));
  const config = loadConfig();
  // Browsers may call the API only from the listed origins; by default from none.
  app.enableCors(config.corsAllowedOrigins.length ? { origin: config.corsAllowedOrigins, maxAge: 600 } : { origin: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalInterceptors(new RequestTimeoutInterceptor(config.requestTimeoutMs));
  // Node answers 408 itself to a client that takes longer than this to send its request (slowloris).
  const server = app.getHttpServer() as Server;
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
  answerClientErrorsInErrorShape(server);
  app.enableShutdownHooks();
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

/**
 * Starts a worker service: its queue processors run in the Nest context, and a small
 * HTTP server answers /health and /metrics on `port(config)`.
 */
export async function bootstrapWorker<C>(module: Type<unknown>, port: (config: C) => number, configToken: symbol): Promise<void> {
  exitOnBadConfig();
  const app = await NestFactory.create(module, { bufferLogs: true });
  configureHttpApp(app);
  await app.listen(port(app.get<C>(configToken)));
}
