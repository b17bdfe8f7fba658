import { Module } from '@nestjs/common';
import { AuthCoreModule } from '@app/auth';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule } from '@app/platform';
import { QueueModule } from '@app/queue';
import { AudienceModule } from './audience/audience.module';
import { AuthModule } from './auth/auth.module';
import { EligibilityModule } from './eligibility/eligibility.module';
import { PaymentsModule } from './payments/payments.module';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule,
    DatabaseModule,
    QueueModule.forRoot(),
    AuthCoreModule,
    OperationsModule,
    AuthModule,
    EligibilityModule,
    AudienceModule,
    PaymentsModule,
  ],
})
export class AppModule {}
