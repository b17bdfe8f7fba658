import { Module } from '@nestjs/common';
import { ClaimsModule } from '../claims/claims.module';
import { ModerationController } from './moderation.controller';
import { ModerationService } from './moderation.service';

@Module({ imports: [ClaimsModule], controllers: [ModerationController], providers: [ModerationService] })
export class ModerationModule {}
