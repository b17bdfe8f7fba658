import { INestApplication, INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { configureHttpApp } from '@app/platform';
import { useIsolatedEnvironment } from './test-env';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  dataSource: DataSource;
  databaseUrl: string;
  redisPrefix: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** extra environment for this app (e.g. STRIPE_API_BASE) */
  env?: Record<string, string>;
  /** applied after the shared HTTP setup, e.g. the campaign-service's Swagger */
  configure?: (app: INestApplication) => void;
}

/**
 * Boots a service's root module the way its main.ts does, on its own database
 * (copied from the migrated template) and its own Redis key prefix.
 */
export async function createTestApp(rootModule: Type<unknown>, options: TestAppOptions = {}): Promise<TestApp> {
  const { databaseUrl, redisPrefix } = await useIsolatedEnvironment(options.env);
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  const app = moduleRef.createNestApplication({ rawBody: true, bufferLogs: true });
  configureHttpApp(app);
  options.configure?.(app);
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    dataSource: app.get(getDataSourceToken()),
    databaseUrl,
    redisPrefix,
    close: () => app.close(),
  };
}

/**
 * Boots a worker module in the same process, against the environment the last
 * {@link createTestApp} set up (same database and Redis prefix).
 */
export async function createWorkerContext(rootModule: Type<unknown>): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  await app.init();
  return app;
}
