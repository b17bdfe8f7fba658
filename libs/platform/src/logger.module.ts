import { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerService, Module, RequestMethod } from '@nestjs/common';
import { Logger, LoggerModule as PinoLoggerModule, PinoLogger } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { APP_CONFIG, AppConfig, loadConfig } from '@app/config';

const SECRET_FIELDS = ['password', 'passwordHash', 'currentPassword', 'newPassword', 'refreshToken', 'accessToken', 'code', 'codes', 'shippingAddress'];

/** Never written to logs: credentials, perk codes and addresses, at the top level of a log line or one level down. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-provider-key"]',
  'req.headers["stripe-signature"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

/** Structured JSON logs with a request id (taken from X-Request-Id or generated). */
@Module({
  imports: [
    PinoLoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // Probes are not logged; keeping them out of the middleware also keeps its AsyncLocalStorage
        // off in the workers, whose only HTTP is probes: once on, Node tracks every promise.
        exclude: [
          { path: 'health', method: RequestMethod.GET },
          { path: 'health/live', method: RequestMethod.GET },
          { path: 'metrics', method: RequestMethod.GET },
        ],
        pinoHttp: pinoHttpOptions(config),
      }),
    }),
  ],
})
export class LoggerModule {}

/**
 * Error fields that echo a query's values, which may be codes, addresses or credentials:
 * TypeORM's `parameters`, and what PostgreSQL quotes back (`detail`: `Key (campaign_id, code)=(…, X)
 * already exists`; `where`: a COPY line's value; `internalQuery`). The query text, the driverError's
 * SQLSTATE code and the constraint stay: they name the statement and the rule, not the data.
 */
const QUERY_VALUE_FIELDS = new Set(['parameters', 'detail', 'where', 'internalQuery']);
const MAX_ERROR_DEPTH = 4;

/**
 * The `err` serializer of every log line (HTTP filter, workers, pino-http's own): pino's standard
 * one, then without {@link QUERY_VALUE_FIELDS} on the error and on what it nests (a
 * QueryFailedError carries them again on its `driverError`). Redact paths match fixed depths only.
 */
function serializeError(err: unknown): unknown {
  // pino-http hands over what pino's serializer already made of the error; plain pino the error itself.
  const serialized = withoutQueryValues(err instanceof Error ? stdSerializers.err(err) : err, 0);
  // `*.code` is redacted (perk codes): an error's own code (ECONNRESET, a SQLSTATE) is kept as errorCode.
  const code = (serialized as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? { ...(serialized as object), errorCode: code } : serialized;
}

function withoutQueryValues(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_ERROR_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => withoutQueryValues(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (!QUERY_VALUE_FIELDS.has(key)) copy[key] = withoutQueryValues(child, depth + 1);
  }
  return copy;
}

/**
 * The logger of a service's boot, before its Nest context (and LoggerModule's logger) exists:
 * the same pino options, so a boot that waits (for PostgreSQL, say) says so as it happens, as
 * JSON lines, rather than held back until the context is up or printed by Nest's console logger.
 */
export function bootLogger(): LoggerService {
  const params = { pinoHttp: pinoHttpOptions(loadConfig()) };
  return new Logger(new PinoLogger(params), params);
}

/** The logger every service writes through: redaction, serializers, level and format. */
export function pinoHttpOptions(config: Pick<AppConfig, 'log'>): PinoHttpOptions {
  return {
    level: config.log.level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    genReqId: requestIdOf,
    // Who asked (the account's id, never its email) and, for an error, the API's code: enough to
    // follow a bot burst or a member's complaint through the logs.
    customProps: (req, res) => requestFacts((req as { user?: { id?: string } }).user?.id, (res as { locals?: { errorCode?: string } }).locals?.errorCode),
    // A 5xx answer's line: pino-http makes up an error ("failed with status code 503") with a stack
    // pointing into itself; the real cause is logged by the error filter.
    customErrorObject: (_req, res, error, fields: Record<string, unknown>) => {
      if ((res as { err?: unknown }).err || error.message !== `failed with status code ${res.statusCode}`) return fields;
      return { ...fields, err: undefined };
    },
    serializers: {
      req: (req: { id: string; method: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url && withLoggableQuery(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
    transport: config.log.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
}

/** The fields a request's log line adds: its account and error code, when it has them. */
export function requestFacts(userId: string | undefined, errorCode: string | undefined): { userId?: string; errorCode?: string } {
  return { ...(userId && { userId }), ...(errorCode && { errorCode }) };
}

/** Query parameters whose values are logged: the API's own filters and paging, nothing a person typed. */
const LOGGED_QUERY_PARAMETERS = new Set(['limit', 'cursor', 'status', 'kind', 'campaignId', 'entityType', 'entityId', 'actorId', 'action', 'funding']);
const LOGGED_QUERY_VALUE = /^[\w.:-]{0,200}$/;

/**
 * A URL as logged: the values of other query parameters are left out, as they may be credentials
 * (a queue-dashboard link's one-time ticket, a token a client put in the URL) or personal data
 * (an email), however a parameter is spelled (`ticke%74=`, `ticket[]=`, `;ticket=`).
 */
function withLoggableQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = [...new URLSearchParams(url.slice(at + 1))].map(([name, value]) =>
    `${encodeURIComponent(name)}=${LOGGED_QUERY_PARAMETERS.has(name) && LOGGED_QUERY_VALUE.test(value) ? encodeURIComponent(value) : '[redacted]'}`,
  );
  return `${url.slice(0, at)}?${query.join('&')}`;
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * The request's id: the caller's X-Request-Id when it is a sane token, else a new one; set on the
 * response once and reused. configureHttpApp assigns it before the body parser, so an answer that
 * never reaches the router (a body the parser refuses) carries it too, and the log line agrees.
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const assigned = res.getHeader('X-Request-Id');
  if (typeof assigned === 'string') return assigned;
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
