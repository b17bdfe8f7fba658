import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import proxyAddr from 'proxy-addr';

const toInt = ({ value }: { value: unknown }) => (value === undefined ? undefined : Number(value));
const BOOLEANS: Record<string, boolean> = { '1': true, true: true, yes: true, on: true, '0': false, false: false, no: false, off: false };
/** A word that is not one of BOOLEANS stays a string, which @IsBoolean refuses. */
const toBool = ({ value }: { value: unknown }) => (value === undefined ? undefined : (BOOLEANS[String(value).toLowerCase()] ?? value));
/** Connection URLs as drivers take them: host names with underscores (container names), PostgreSQL's socket form `postgres:///db?host=/path`. */
const CONNECTION_URL = { require_tld: false, allow_underscores: true };

/** Variables whose empty value means "none" rather than "unset"; any other empty variable takes its default. */
const EMPTY_MEANS_NONE = new Set(['RATE_LIMIT_EXEMPT_IPS']);
/** Variables whose values are never printed (a boot error names them and their length only). */
const SECRETS = new Set(['JWT_SECRET', 'ADMIN_PASSWORD', 'SCORE_PROVIDER_KEYS', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SHIPPING_WEBHOOK_SECRET']);

/** Defaults that make a fresh checkout run; anyone can read them here, so a deployment must set its own. */
export const DEV_DEFAULTS = { jwtSecret: 'dev-only-jwt-secret-change-me', adminPassword: 'admin-password-change-me' } as const;
/** JWT secrets published with the code (the default, `.env.example`'s): a deployment using one is warned at boot. */
export const PUBLIC_JWT_SECRETS: readonly string[] = [DEV_DEFAULTS.jwtSecret, 'change-me-to-a-long-random-string'];

/**
 * Every environment variable the platform reads, validated once at boot.
 * Defaults make a fresh checkout run locally; production overrides them.
 */
class EnvSchema {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  MATCHING_PORT = 3001;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  FULFILLMENT_PORT = 3002;

  @IsOptional() @IsUrl({ protocols: ['postgres', 'postgresql'], ...CONNECTION_URL, require_host: false })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/perks';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DATABASE_POOL_SIZE = 20;

  @IsOptional() @IsUrl({ protocols: ['redis', 'rediss'], ...CONNECTION_URL })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (queues, counters); lets test runs share one Redis. */
  @IsOptional() @Matches(/^[a-z0-9_-]{1,40}$/i)
  REDIS_PREFIX = 'perks';

  @IsOptional() @IsString() @MinLength(16)
  JWT_SECRET = DEV_DEFAULTS.jwtSecret;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(86400)
  JWT_TTL_SECONDS = 3600;

  @IsOptional() @IsString() @Matches(/^[^@\s]+@[^@\s]+$/)
  ADMIN_EMAIL = 'admin@perks.local';

  @IsOptional() @IsString() @MinLength(10)
  ADMIN_PASSWORD = DEV_DEFAULTS.adminPassword;

  @IsOptional() @Matches(/^([a-z0-9_-]+:[^,:\s]+)(,[a-z0-9_-]+:[^,:\s]+)*$/)
  SCORE_PROVIDER_KEYS = 'klout:dev-klout-key,peerindex:dev-peerindex-key';

  @IsOptional() @IsString()
  STRIPE_SECRET_KEY = '';

  @IsOptional() @IsString()
  STRIPE_WEBHOOK_SECRET = '';

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false })
  STRIPE_API_BASE?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(10000)
  PLATFORM_FEE_BPS = 1000;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false })
  PUBLIC_URL = 'http://localhost:3000';

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional() @Transform(toBool) @IsBoolean()
  LOG_PRETTY = false;

  /** `manual` (an admin marks shipments shipped) or `webhook` (a carrier API, tracking by webhook) */
  @IsOptional() @IsIn(['manual', 'webhook'])
  SHIPPING_PROVIDER: 'manual' | 'webhook' = 'manual';

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false })
  SHIPPING_WEBHOOK_URL?: string;

  /** HMAC-SHA256 secret of the carrier's tracking webhooks (and of our requests to it) */
  @IsOptional() @IsString()
  SHIPPING_WEBHOOK_SECRET = '';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  FULFILLMENT_CONCURRENCY = 100;

  /** how long a worker owns a job before another may take it over (crash recovery bound) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(600000)
  FULFILLMENT_LOCK_MS = 30000;

  /** on SIGTERM, active jobs get this long to finish before the worker gives them back */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(600000)
  FULFILLMENT_SHUTDOWN_MS = 10000;

  /** how often the fulfillment service looks for pending claims whose job Redis lost */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3600000)
  CLAIM_SWEEP_INTERVAL_MS = 60000;

  /** a pending claim untouched for this long is checked against BullMQ (and re-enqueued if its job is gone) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86400000)
  CLAIM_SWEEP_AFTER_MS = 300000;

  /** how often the fulfillment service looks for campaigns past their startsAt or endsAt whose timed job has not run */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3600000)
  LIFECYCLE_SWEEP_INTERVAL_MS = 60000;

  /** a campaign still waiting this long past its startsAt or endsAt is started or ended by the sweep */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86400000)
  LIFECYCLE_SWEEP_AFTER_MS = 60000;

  /** an offer's notification is deleted this many days after its campaign ended; 0 = kept for good */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500)
  NOTIFICATION_RETENTION_DAYS = 30;

  /** a login session is deleted this many days after its last refresh token expired; 0 = kept for good */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500)
  SESSION_RETENTION_DAYS = 90;

  /** per-request claim gate in Redis; off sends every claim through the PostgreSQL path */
  @IsOptional() @Transform(toBool) @IsBoolean()
  CLAIM_GATE_ENABLED = true;

  /** Lifetime of a refresh token; each use rotates it. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(31536000)
  REFRESH_TOKEN_TTL_SECONDS = 2592000;

  /** Longest a login session lasts, however often it is refreshed; then the member logs in again. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(31536000)
  SESSION_MAX_AGE_SECONDS = 7776000;

  /**
   * A refresh token rotated this recently may be presented again and is answered with a new pair
   * of the same session (two tabs or a retried request renewing at once); later it is reuse and
   * ends the session. 0 treats every second use as reuse.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(300)
  REFRESH_TOKEN_REUSE_GRACE_SECONDS = 30;

  /** Length of the fixed rate-limit window; every RATE_LIMIT_* count below is per window, 0 turns that limit off. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /**
   * Requests per client IP, all routes together. Per-IP limits are a flood guard, not a
   * per-person quota: many people share one address (NAT, offices, a load balancer).
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_IP = 12000;

  /** Requests per authenticated account, all routes together. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_ACCOUNT = 3000;

  /** Login and password-change attempts per targeted account from one client IP: the brute-force guard. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_LOGIN = 10;

  /** Login and password-change attempts per targeted account from every IP together: the guard against guessing spread over many addresses. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_LOGIN_ACCOUNT = 100;

  /** Login and password-change attempts per client IP, whatever the account. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_LOGIN_IP = 600;

  /** Member and brand registrations per IP. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_REGISTER = 600;

  /** Claim attempts per member (replays included). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_CLAIM = 600;

  /**
   * Client addresses the per-IP limits never apply to (comma-separated), by default the machine
   * itself: its scripts, probes and a sidecar proxy. Per-account and per-member limits still apply.
   */
  @IsOptional() @Matches(/^$|^[0-9a-f.:]+(,[0-9a-f.:]+)*$/i)
  RATE_LIMIT_EXEMPT_IPS = '127.0.0.1,::1';

  /** A request still running after this long is answered 503 SERVICE_UNAVAILABLE. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600000)
  REQUEST_TIMEOUT_MS = 30000;

  /** Claims one member may make across the platform in any rolling 30 days; 0 = no cap. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  CLAIM_VELOCITY_CAP = 100;

  /**
   * Which proxies to believe about the client address (X-Forwarded-For), in Express's syntax:
   * empty trusts none (the socket address counts), e.g. `loopback`, `1` (hops) or a CIDR list.
   */
  @IsOptional() @Matches(/^$|^(loopback|linklocal|uniquelocal|\d{1,2}|[0-9a-f.:/]+)(,(loopback|linklocal|uniquelocal|[0-9a-f.:/]+))*$/i)
  TRUST_PROXY = '';

  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; empty leaves it open. */
  @IsOptional() @Matches(/^$|^[\x21-\x7e]{16,200}$/)
  METRICS_TOKEN = '';

  /** Comma-separated browser origins allowed by CORS; empty allows none. */
  @IsOptional() @Matches(/^$|^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/)
  CORS_ALLOWED_ORIGINS = '';
}

export interface AppConfig {
  port: number;
  matchingPort: number;
  fulfillmentPort: number;
  databaseUrl: string;
  databasePoolSize: number;
  redisUrl: string;
  redisPrefix: string;
  jwt: { secret: string; ttlSeconds: number };
  admin: { email: string; password: string };
  /** provider name → key, and key → provider name */
  scoreProviders: { byName: Map<string, string>; byKey: Map<string, string> };
  stripe: { secretKey: string; webhookSecret: string; apiBase?: string };
  platformFeeBps: number;
  publicUrl: string;
  log: { level: string; pretty: boolean };
  /** empty: GET /metrics is open */
  metricsToken: string;
  shipping: { provider: 'manual' | 'webhook'; webhookUrl?: string; webhookSecret: string };
  fulfillment: { concurrency: number; lockMs: number; shutdownMs: number; sweepIntervalMs: number; sweepAfterMs: number };
  lifecycle: { sweepIntervalMs: number; sweepAfterMs: number };
  /** days kept past their end; 0 = kept for good */
  retention: { offerNotificationDays: number; sessionDays: number };
  claimGateEnabled: boolean;
  refreshTokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  refreshTokenReuseGraceSeconds: number;
  /** per-window counts; 0 = that limit is off */
  rateLimit: { windowSeconds: number; ip: number; account: number; login: number; loginAccount: number; loginIp: number; register: number; claim: number; exemptIps: string[] };
  requestTimeoutMs: number;
  corsAllowedOrigins: string[];
  /** Express `trust proxy`: false, a hop count, or a list of trusted proxy addresses */
  trustProxy: boolean | number | string;
  /** claims per member per rolling 30 days; 0 = no cap */
  claimVelocityCap: number;
}

export class ConfigValidationError extends Error {}

/**
 * Parses and validates the environment; throws a message naming every bad variable (a blank
 * one is unset, except where EMPTY_MEANS_NONE says otherwise).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = new Set(Object.keys(new EnvSchema()).concat('STRIPE_API_BASE', 'SHIPPING_WEBHOOK_URL'));
  // Blank (empty or spaces only, as an .env line may leave it) is unset.
  const raw = Object.fromEntries(Object.entries(env).filter(([k, v]) => known.has(k) && (v?.trim() !== '' || EMPTY_MEANS_NONE.has(k))));
  const parsed = plainToInstance(EnvSchema, raw);
  const problems = validateSync(parsed, { forbidUnknownValues: false }).map(
    (e) => `  ${e.property}=${shown(e.property, raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  problems.push(...crossChecks(parsed).map(([name, problem]) => `  ${name}=${shown(name, raw[name])}: ${problem}`));
  if (problems.length) throw new ConfigValidationError(`Invalid configuration:\n${problems.join('\n')}`);
  const byName = new Map<string, string>();
  const byKey = new Map<string, string>();
  for (const pair of parsed.SCORE_PROVIDER_KEYS.split(',')) {
    const [name, key] = pair.split(':');
    byName.set(name, key);
    byKey.set(key, name);
  }
  return {
    port: parsed.PORT,
    matchingPort: parsed.MATCHING_PORT,
    fulfillmentPort: parsed.FULFILLMENT_PORT,
    databaseUrl: parsed.DATABASE_URL,
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    jwt: { secret: parsed.JWT_SECRET, ttlSeconds: parsed.JWT_TTL_SECONDS },
    admin: { email: parsed.ADMIN_EMAIL.toLowerCase(), password: parsed.ADMIN_PASSWORD },
    scoreProviders: { byName, byKey },
    stripe: { secretKey: parsed.STRIPE_SECRET_KEY, webhookSecret: parsed.STRIPE_WEBHOOK_SECRET, apiBase: parsed.STRIPE_API_BASE },
    platformFeeBps: parsed.PLATFORM_FEE_BPS,
    publicUrl: parsed.PUBLIC_URL.replace(/\/$/, ''),
    log: { level: parsed.LOG_LEVEL, pretty: parsed.LOG_PRETTY },
    metricsToken: parsed.METRICS_TOKEN,
    shipping: { provider: parsed.SHIPPING_PROVIDER, webhookUrl: parsed.SHIPPING_WEBHOOK_URL, webhookSecret: parsed.SHIPPING_WEBHOOK_SECRET },
    fulfillment: { concurrency: parsed.FULFILLMENT_CONCURRENCY, lockMs: parsed.FULFILLMENT_LOCK_MS, shutdownMs: parsed.FULFILLMENT_SHUTDOWN_MS,
      sweepIntervalMs: parsed.CLAIM_SWEEP_INTERVAL_MS,
      sweepAfterMs: parsed.CLAIM_SWEEP_AFTER_MS,
    },
    lifecycle: { sweepIntervalMs: parsed.LIFECYCLE_SWEEP_INTERVAL_MS, sweepAfterMs: parsed.LIFECYCLE_SWEEP_AFTER_MS },
    retention: { offerNotificationDays: parsed.NOTIFICATION_RETENTION_DAYS, sessionDays: parsed.SESSION_RETENTION_DAYS },
    claimGateEnabled: parsed.CLAIM_GATE_ENABLED,
    refreshTokenTtlSeconds: parsed.REFRESH_TOKEN_TTL_SECONDS,
    sessionMaxAgeSeconds: parsed.SESSION_MAX_AGE_SECONDS,
    refreshTokenReuseGraceSeconds: parsed.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    rateLimit: {
      windowSeconds: parsed.RATE_LIMIT_WINDOW_SECONDS,
      ip: parsed.RATE_LIMIT_IP,
      account: parsed.RATE_LIMIT_ACCOUNT,
      login: parsed.RATE_LIMIT_LOGIN,
      loginAccount: parsed.RATE_LIMIT_LOGIN_ACCOUNT,
      loginIp: parsed.RATE_LIMIT_LOGIN_IP,
      register: parsed.RATE_LIMIT_REGISTER,
      claim: parsed.RATE_LIMIT_CLAIM,
      exemptIps: parsed.RATE_LIMIT_EXEMPT_IPS ? parsed.RATE_LIMIT_EXEMPT_IPS.split(',') : [],
    },
    requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS,
    corsAllowedOrigins: parsed.CORS_ALLOWED_ORIGINS ? parsed.CORS_ALLOWED_ORIGINS.split(',') : [],
    claimVelocityCap: parsed.CLAIM_VELOCITY_CAP,
    trustProxy: !parsed.TRUST_PROXY ? false : /^\d+$/.test(parsed.TRUST_PROXY) ? Number(parsed.TRUST_PROXY) : parsed.TRUST_PROXY,
  };
}

/** The rules that a single variable's decorators cannot tell: [variable, problem]. */
function crossChecks(parsed: EnvSchema): [string, string][] {
  const problems: [string, string][] = [];
  const pairs = parsed.SCORE_PROVIDER_KEYS.split(',').map((pair) => pair.split(':'));
  if (new Set(pairs.map(([name]) => name)).size < pairs.length) problems.push(['SCORE_PROVIDER_KEYS', 'a provider is named twice']);
  // A key names its provider: one shared by two would file one provider's scores under the other.
  if (new Set(pairs.map(([, key]) => key)).size < pairs.length) problems.push(['SCORE_PROVIDER_KEYS', 'two providers share a key']);
  if (parsed.STRIPE_SECRET_KEY && !parsed.STRIPE_WEBHOOK_SECRET) {
    problems.push(['STRIPE_WEBHOOK_SECRET', 'required with STRIPE_SECRET_KEY (without it no payment event can be verified, so no campaign is ever funded)']);
  }
  if (parsed.SHIPPING_PROVIDER === 'webhook') {
    // The workers send parcels to the carrier, and the API checks its signed tracking reports.
    if (!parsed.SHIPPING_WEBHOOK_URL) problems.push(['SHIPPING_WEBHOOK_URL', 'required with SHIPPING_PROVIDER=webhook (where the carrier takes shipments)']);
    if (!parsed.SHIPPING_WEBHOOK_SECRET) problems.push(['SHIPPING_WEBHOOK_SECRET', 'required with SHIPPING_PROVIDER=webhook (without it no carrier report can be verified)']);
  }
  if (parsed.TRUST_PROXY && !/^\d+$/.test(parsed.TRUST_PROXY)) {
    try {
      proxyAddr.compile(parsed.TRUST_PROXY.split(','));
    } catch (error) {
      problems.push(['TRUST_PROXY', (error as Error).message]);
    }
  }
  return problems;
}

/**
 * A variable's value for a boot error: secrets by length only, connection URLs without their
 * password (up to the last `@`, which ends the user info; and a `password=` parameter).
 */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (SECRETS.has(name)) return `(hidden, ${value.length} characters)`;
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:).*@/i, '$1***@').replace(/([?&]password=)[^&]*/gi, '$1***'));
}
