import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@app/config';
import { configureHttpApp, exitOnBadConfig } from '@app/platform';
import { AppModule } from './app.module';
import { setupSwagger } from './swagger';
import { serveWebConsole } from './web/web-console';

async function bootstrap(): Promise<void> {
  // A client's date-time without an offset is read as UTC (API.md: timestamps are UTC), not in
  // the host's zone.
  process.env.TZ = 'UTC';
  exitOnBadConfig();
  const app = await NestFactory.create(AppModule, { bufferLogs: true, rawBody: true });
  configureHttpApp(app);
  setupSwagger(app);
  serveWebConsole(app);
  const config = app.get<AppConfig>(APP_CONFIG);
  await app.listen(config.port);
}

void bootstrap();
