import { Module } from '@nestjs/common';
import { ClaimAbuseService } from './claim-abuse.service';
import { ClaimHoldsController } from './claim-holds.controller';
import { ClaimHoldsService } from './claim-holds.service';

/** The claim abuse rules (used by the claim path) and the admins' review of the claims they hold. */
@Module({ controllers: [ClaimHoldsController], providers: [ClaimAbuseService, ClaimHoldsService], exports: [ClaimAbuseService] })
export class AbuseModule {}
