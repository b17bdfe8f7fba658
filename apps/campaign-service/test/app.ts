import { createTestApp, TestApp, TestAppOptions } from '@app/testing';
import { AppModule } from '../src/app.module';
import { setupSwagger } from '../src/swagger';

/** The campaign-service as main.ts builds it, on an isolated database and Redis prefix. */
export function createCampaignServiceApp(options: TestAppOptions = {}): Promise<TestApp> {
  return createTestApp(AppModule, { ...options, configure: setupSwagger });
}
