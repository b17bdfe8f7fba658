import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = {
  parameters?: { in: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { description?: string; content?: unknown; headers?: unknown }>;
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
  '400': 'VALIDATION_FAILED: the fields in `details` (a route without a body refuses any field sent to it)',
  '401': 'UNAUTHORIZED: no or an invalid bearer token',
  '403': 'FORBIDDEN: another role',
  '404': 'NOT_FOUND: no such resource, or another tenant’s',
  '413': 'PAYLOAD_TOO_LARGE: the body is over the limit',
  '415': 'UNSUPPORTED_MEDIA_TYPE: a body of another type, charset or Content-Encoding',
  '429': 'RATE_LIMITED: see Retry-After',
  '503': 'SERVICE_UNAVAILABLE: the request ran past REQUEST_TIMEOUT_MS, the service is busy, or it met a concurrent change; retry it',
};
const WRITES = new Set(['post', 'put', 'patch', 'delete']);
const retryAfter = (description: string) => ({ 'Retry-After': { description, schema: { type: 'integer', minimum: 1 } } });

/**
 * Adds the error responses the controllers do not spell out, from what every route shares: the
 * error body schema on every 4xx and 5xx, 400 where the route takes input or is a write, 413 and
 * 415 where it takes a body or is a write, 401/403 where it needs a bearer token, 404 where the path names a
 * resource, 429 (rate limits) and 503. Responses a controller documents itself keep their
 * description and get the schema.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  const content = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const statuses = ['429', '503'];
      if (operation.requestBody || operation.parameters?.length || WRITES.has(method)) statuses.push('400');
      // A body sent to a route without one is refused too (400 for JSON fields, 415 for another type).
      if (operation.requestBody || WRITES.has(method)) statuses.push('413', '415');
      if (operation.security?.length) statuses.push('401');
      // Roles are a bearer token's; a provider's key names no role.
      if (operation.security?.some((scheme) => 'bearer' in (scheme as object))) statuses.push('403');
      if (path.includes('{')) statuses.push('404');
      for (const status of statuses) {
        const response = (operation.responses[status] ??= { description: GENERIC[status] });
        // A route's own 403 (NOT_ELIGIBLE) comes beside the role check's, not instead of it.
        if (status === '403' && response.description && !response.description.includes('FORBIDDEN')) response.description += `; ${GENERIC[status]}`;
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (/^[45]/.test(status) && !response.content) response.content = content;
      }
      operation.responses['429'].headers = retryAfter('seconds until the limit lets requests through again');
      operation.responses['503'].headers = retryAfter('seconds to wait before retrying');
    }
  }
  return document;
}
