import { INestApplication } from '@nestjs/common';

export interface AppRoute {
  method: string;
  /** Express style, e.g. `/campaigns/:id/claims` */
  path: string;
}

export const routeKey = (route: AppRoute) => `${route.method} ${route.path}`;

interface ExpressLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/** Only the Swagger UI's own asset routes, and catch-alls that serve the web console's static files. */
function isInfrastructure(method: string, path: string, methodCount: number): boolean {
  return path.startsWith('/docs/') || methodCount > 8 || (method === 'GET' && path.includes('*'));
}

/**
 * Every route the running application answers, read from its Express router (the route table
 * Nest registered), so a route added anywhere shows up here without anyone listing it.
 */
export function routesOf(app: INestApplication): AppRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: ExpressLayer[] }; _router?: { stack: ExpressLayer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const routes: AppRoute[] = [];
  for (const layer of stack) {
    if (!layer.route || typeof layer.route.path !== 'string') continue;
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all');
    for (const method of methods) {
      if (isInfrastructure(method.toUpperCase(), layer.route.path, methods.length)) continue;
      routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  return [...new Map(routes.map((r) => [routeKey(r), r])).values()];
}

export interface OpenApiOperation extends AppRoute {
  parameters: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  bodySchema?: Record<string, unknown>;
  bodyTypes: string[];
}

type Schema = Record<string, unknown> & { $ref?: string };
export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: OpenApiOperation['parameters']; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Follows `$ref`s into `components.schemas` (one level at a time, as they are used). */
export function resolveSchema(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref && hops < 10; hops++) current = doc.components?.schemas?.[current.$ref.split('/').pop()!];
  return current;
}

export function operationsOf(doc: OpenApiDocument): OpenApiOperation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        parameters: op.parameters ?? [],
        bodySchema: resolveSchema(doc, json),
        bodyTypes: Object.keys(content),
      };
    }),
  );
}
