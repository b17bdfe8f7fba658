import 'reflect-metadata';
import { APP_CONFIG, AppConfig } from '@app/config';
import { bootstrapWorker } from '@app/platform';
import { MatchingModule } from './matching.module';

void bootstrapWorker(MatchingModule, (config: AppConfig) => config.matchingPort, APP_CONFIG);
