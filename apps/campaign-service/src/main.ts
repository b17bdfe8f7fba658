import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@app/config';
import { bootLogger, configureHttpApp, exitOnBadConfig, exitWithinAfterSignal } from '@app/platform';
import { AppModule } from './app.module';
import { setupSwagger } from './swagger';
import { serveWebConsole } from './web/web-console';

const SHUTDOWN_MARGIN_MS = 5_000;

async function bootstrap(): Promise<void> {
  // A client's date-time without an offset is read as UTC (API.md: timestamps are UTC), not in
  // the host's zone.
  process.env.TZ = 'UTC';
  exitOnBadConfig();
  const app = await NestFactory.create(AppModule, { logger: bootLogger(), rawBody: true });
  configureHttpApp(app);
  setupSwagger(app);
  serveWebConsole(app);
  const config = app.get<AppConfig>(APP_CONFIG);
  // Requests in flight may run to their timeout; closing the pools and Redis gets a few seconds more.
  exitWithinAfterSignal(app, config.requestTimeoutMs + SHUTDOWN_MARGIN_MS);
  await app.listen(config.port);
}

void bootstrap();
