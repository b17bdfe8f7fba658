import { IncomingMessage, Server, ServerResponse } from 'node:http';
import Ajv, { ValidateFunction } from 'ajv';

export interface RecordedResponse {
  method: string;
  /** the path, without its query */
  path: string;
  status: number;
  contentType: string;
  body: string;
}

/**
 * Records every response the server sends, whichever handler wrote it (Express, Nest, or a
 * lean route in front of them): the listener goes first and collects what `write`/`end` send.
 */
export function recordResponses(server: Server): RecordedResponse[] {
  const recorded: RecordedResponse[] = [];
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk as string));
    };
    const { write, end } = res;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') keep(chunk);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
    res.once('finish', () => {
      recorded.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        status: res.statusCode,
        contentType: String(res.getHeader('content-type') ?? ''),
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
  return recorded;
}

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/**
 * Holds recorded responses against an OpenAPI 3.0 document: each one's status must be listed for
 * its operation, and a JSON body must match the schema documented for that status. Returns one
 * line per mismatch (empty when the document tells the truth).
 */
export function undocumentedResponses(document: { paths: Record<string, Record<string, Operation>>; components?: Schema }, recorded: RecordedResponse[]): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
  const routes = Object.entries(document.paths).map(([template, item]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    params: (template.match(/\{/g) ?? []).length,
    item,
  }));
  const validators = new Map<Schema, ValidateFunction>();
  const problems = new Set<string>();
  for (const response of recorded) {
    const route = routes.filter((r) => r.pattern.test(response.path)).sort((a, b) => a.params - b.params)[0];
    const operation = route?.item[response.method.toLowerCase()];
    if (!route || !operation) continue; // not part of the API (the console, the docs, the dashboard)
    const name = `${response.method} ${route.template} ${response.status}`;
    const documented = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!documented) {
      problems.add(`${name}: status not documented`);
      continue;
    }
    const schema = documented.content?.['application/json']?.schema;
    if (!schema || !response.contentType.includes('application/json') || !response.body) continue;
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/')) as Schema);
      validators.set(schema, validate);
    }
    if (!validate(JSON.parse(response.body))) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`).join('; ');
      problems.add(`${name}: ${errors} — ${response.body.slice(0, 200)}`);
    }
  }
  return [...problems];
}
