import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClaimsModule } from '../claims/claims.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { MemberViewsService } from './member-views.service';
import { MembersController } from './members.controller';
import { PrivacyService } from './privacy.service';
import { ProfileService } from './profile.service';

@Module({
  imports: [EligibilityModule, ClaimsModule, AuthModule],
  controllers: [MembersController],
  providers: [ProfileService, MemberViewsService, PrivacyService],
})
export class MembersModule {}
