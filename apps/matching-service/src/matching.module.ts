import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule } from '@app/platform';
import { QueueModule } from '@app/queue';

/** The matching worker: queue processors plus /health and /metrics, no public API. */
@Module({
  imports: [AppConfigModule, LoggerModule, DatabaseModule, QueueModule.forRoot(), OperationsModule],
})
export class MatchingModule {}
