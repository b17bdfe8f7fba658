import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitModule } from '@app/platform';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LiveAccountGuard } from './live-account.guard';
import { SessionService } from './session.service';

/** Registration, login and sessions; after the global auth guard, LiveAccountGuard turns away tokens of erased or unknown accounts. */
@Module({
  imports: [RateLimitModule],
  controllers: [AuthController],
  providers: [AuthService, SessionService, LiveAccountGuard, { provide: APP_GUARD, useExisting: LiveAccountGuard }],
  exports: [AuthService, SessionService, LiveAccountGuard],
})
export class AuthModule {}
