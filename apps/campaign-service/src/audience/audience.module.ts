import { Module } from '@nestjs/common';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { AudienceController } from './audience.controller';
import { AudienceService } from './audience.service';

@Module({ imports: [EligibilityModule], controllers: [AudienceController], providers: [AudienceService], exports: [AudienceService] })
export class AudienceModule {}
