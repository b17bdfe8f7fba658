import { Global, Module } from '@nestjs/common';
import { ClaimAbuseService } from './claim-abuse.service';
import { ClaimHoldsController } from './claim-holds.controller';
import { ClaimHoldsService } from './claim-holds.service';

/** Global so the claim path can use ClaimAbuseService without a module cycle. */
@Global()
@Module({ controllers: [ClaimHoldsController], providers: [ClaimAbuseService, ClaimHoldsService], exports: [ClaimAbuseService] })
export class AbuseModule {}
