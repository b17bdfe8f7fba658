import { Module } from '@nestjs/common';
import { RateLimitModule } from '@app/platform';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SessionService } from './session.service';

@Module({ imports: [RateLimitModule], controllers: [AuthController], providers: [AuthService, SessionService], exports: [AuthService, SessionService] })
export class AuthModule {}
