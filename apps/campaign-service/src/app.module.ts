import { Module } from '@nestjs/common';
import { AuthCoreModule } from '@app/auth';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/db';
import { LoggerModule, OperationsModule } from '@app/platform';
import { QueueModule } from '@app/queue';
import { AuthModule } from './auth/auth.module';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule,
    DatabaseModule,
    QueueModule.forRoot(),
    AuthCoreModule,
    OperationsModule,
    AuthModule,
  ],
})
export class AppModule {}
