import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { Role } from '@app/domain';
import { FundingResponseDto } from './dto/funding.dto';
import { FundingService } from './funding.service';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('campaigns/:id/funding')
export class FundingController {
  constructor(private readonly funding: FundingService) {}

  /**
   * Opens (or returns the open) Stripe Checkout session for a draft campaign's budget.
   * The campaign becomes `funded` when Stripe's signed `checkout.session.completed` arrives.
   */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Roles(Role.Brand, Role.Admin)
  @ApiCreatedResponse({ type: FundingResponseDto })
  @ApiConflictResponse({ description: 'CAMPAIGN_ALREADY_FUNDED (paid, or its payment is confirming), INVALID_TRANSITION (the campaign has ended)' })
  @ApiBadGatewayResponse({ description: 'PAYMENT_PROVIDER_ERROR: Stripe refused or failed the call (its error type in `details`), or is not configured; retry later' })
  fund(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<FundingResponseDto> {
    return this.funding.fund(user, id);
  }
}
