import { Body, CanActivate, Controller, ExecutionContext, HttpCode, Injectable, Post, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '@app/auth';
import { ShippingWebhookDto } from './dto/claim.dto';
import { ShipmentsService } from './shipments.service';

/** The carrier's signature, checked before anything reads the body: an unsigned caller learns nothing about it. */
@Injectable()
class ShippingSignatureGuard implements CanActivate {
  constructor(private readonly shipments: ShipmentsService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    this.shipments.verifySignature(req.rawBody, req.header('x-shipping-signature'));
    return true;
  }
}

/** Tracking updates from the carrier of the webhook shipping provider. */
@ApiTags('claims')
@Controller('shipping/webhook')
export class ShippingWebhookController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Public()
  @Post()
  @HttpCode(200)
  @UseGuards(ShippingSignatureGuard)
  @ApiHeader({ name: 'X-Shipping-Signature', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body>' })
  @ApiOkResponse({
    description: 'recorded (repeats change nothing)',
    schema: { type: 'object', required: ['received'], properties: { received: { type: 'boolean', enum: [true] } } },
  })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such shipment' })
  @ApiConflictResponse({ description: 'SHIPMENT_NOT_SHIPPABLE: the shipment was cancelled, or shipped with another tracking number' })
  @ApiBadRequestResponse({ description: 'SHIPPING_SIGNATURE_INVALID: missing or wrong signature, checked first; VALIDATION_FAILED: the fields in `details`' })
  async receive(@Body() dto: ShippingWebhookDto): Promise<{ received: true }> {
    await this.shipments.markShipped(dto.shipmentId, dto.trackingNumber, dto.carrier);
    return { received: true };
  }
}
