import { Module } from '@nestjs/common';
import { ACCOUNT_CHECK } from '@app/auth';
import { RateLimitModule } from '@app/platform';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LiveAccounts } from './live-accounts';
import { SessionService } from './session.service';

/** Registration, login and sessions; the global auth guard asks LiveAccounts (ACCOUNT_CHECK) to turn away tokens of erased or unknown accounts. */
@Module({
  imports: [RateLimitModule],
  controllers: [AuthController],
  providers: [AuthService, SessionService, LiveAccounts, { provide: ACCOUNT_CHECK, useExisting: LiveAccounts }],
  exports: [AuthService, SessionService, LiveAccounts],
})
export class AuthModule {}
