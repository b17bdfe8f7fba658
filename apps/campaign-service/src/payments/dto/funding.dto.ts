import { ApiProperty } from '@nestjs/swagger';

export class FundingResponseDto {
  @ApiProperty({ format: 'uuid' }) fundingId: string;
  @ApiProperty({ type: 'integer', description: 'units × unit cost + platform fee, integer cents', example: 550000 }) amountCents: number;
  @ApiProperty({ description: 'Stripe Checkout page the brand pays on' }) checkoutUrl: string;
  @ApiProperty({ example: 'cs_test_…' }) stripeCheckoutSessionId: string;
}
