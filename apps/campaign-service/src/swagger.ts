import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withErrorResponses } from './openapi-errors';

/** OpenAPI generated from the controllers and DTOs: UI at /docs, document at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Perks Platform API')
    .setDescription(
      'Brands fund perk campaigns targeted by influence scores; members claim perks; fulfillment delivers. ' +
        'Errors: {statusCode, code, message, details?}. Lists: ?limit (≤100, default 20) & ?cursor → {items, nextCursor}.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Provider-Key' }, 'provider-key')
    .build();
  const document = withErrorResponses(SwaggerModule.createDocument(app, config));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
