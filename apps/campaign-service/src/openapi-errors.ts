import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = {
  parameters?: { in: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { description?: string; content?: unknown }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The one error body every route answers with (HttpExceptionFilter). */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 409 },
    code: { type: 'string', example: 'SOLD_OUT', description: 'stable machine-readable code (API.md)' },
    message: { type: 'string' },
    details: { description: 'per code: the offending fields of a VALIDATION_FAILED, the reasons of a NOT_ELIGIBLE, …' },
  },
};

const GENERIC: Record<string, string> = {
  '400': 'VALIDATION_FAILED: the fields in `details`',
  '401': 'UNAUTHORIZED: no or an invalid bearer token',
  '403': 'FORBIDDEN: another role',
  '404': 'NOT_FOUND: no such resource, or another tenant’s',
  '429': 'RATE_LIMITED: see Retry-After',
};

/**
 * Adds the error responses the controllers do not spell out, from what every route shares: the
 * error body schema on every 4xx, 400 where the route takes input, 401/403 where it needs a
 * bearer token, 404 where the path names a resource, and 429 (rate limits). Responses a
 * controller documents itself keep their description and get the schema.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  const content = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const statuses = ['429'];
      if (operation.requestBody || operation.parameters?.length) statuses.push('400');
      if (operation.security?.length) statuses.push('401', '403');
      if (path.includes('{')) statuses.push('404');
      for (const status of statuses) operation.responses[status] ??= { description: GENERIC[status] };
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status.startsWith('4') && !response.content) response.content = content;
      }
    }
  }
  return document;
}
