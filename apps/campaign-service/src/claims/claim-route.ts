import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, OnApplicationBootstrap, ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { PinoLogger } from 'nestjs-pino';
import { Request, Response } from 'express';
import proxyAddr from 'proxy-addr';
import { AuthUser, verifiedUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Role } from '@app/domain';
import { createValidationPipe, ErrorBody, errorBody, isClosing, isUnavailableAnswer, jsonBodyParser, observeHttpRequest, requestFacts, requestIdOf, retryAfterSeconds, RouteRateLimiter, securityHeaders, withinRequestTimeout } from '@app/platform';
import { LiveAccounts } from '../auth/live-accounts';
import { ClaimsService, isReplayedAnswer } from './claims.service';
import { CreateClaimDto } from './dto/claim.dto';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type TrustProxy = (address: string, hop: number) => boolean;

const PATH = /^\/campaigns\/([^/?#]+)\/claims\/?(?:\?.*)?$/i;
const JSON_TYPE = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const RATE_LIMIT_ROUTE = 'POST /campaigns/:param/claims';
const METRIC_ROUTE = '/campaigns/:id/claims';

/**
 * `POST /campaigns/:id/claims` answered ahead of Express and Nest's pipeline. Claims arrive in
 * bursts of thousands a second, and the generic pipeline (router, middleware chain, guards,
 * interceptors, request-scoped logging) cost several times the claim decision itself.
 *
 * This handler takes the common request — a member's bearer token, a JSON body, no CORS — and
 * runs the same steps with the same pieces: the auth guard's token check, Express's JSON parser,
 * the account check, the rate-limit rules and counters, the validation pipe, ClaimsService, Nest's error mapping and
 * the exception filter's error body, the request timeout, the HTTP metric and the request log
 * line. Every other request (no or bad token, another role, a browser's cross-origin call,
 * another content type) goes to Express untouched and is answered as any route is.
 */
@Injectable()
export class ClaimRoute implements OnApplicationBootstrap {
  private readonly pipe: ValidationPipe = createValidationPipe();
  private readonly headers = securityHeaders();
  private readonly parseJson = jsonBodyParser();
  /** Express's compiled `trust proxy` setting: the client address is the one `req.ip` gives. */
  private trust: TrustProxy = () => false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly jwt: JwtService,
    private readonly limiter: RouteRateLimiter,
    private readonly claims: ClaimsService,
    private readonly accounts: LiveAccounts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ClaimRoute.name);
  }

  /** Puts this route in front of the HTTP server's request listener (Express). */
  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    this.trust = (this.adapterHost.httpAdapter.getInstance() as { get(setting: string): TrustProxy }).get('trust proxy fn');
    const fallbacks = server.listeners('request') as RequestListener[];
    const fallback: RequestListener = (req, res) => fallbacks.forEach((listener) => listener.call(server, req, res));
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // While the service shuts down, Express answers every request (503).
      const campaignId = isClosing(this.adapterHost.httpAdapter) ? null : this.claimTarget(req);
      if (campaignId === null) fallback(req, res);
      else
        this.handle(req, res, campaignId, fallback).catch((error: unknown) => {
          // Only writing the answer itself can throw here; the connection is the one thing left to close.
          this.logger.error({ err: error }, 'claim route failed to answer');
          res.destroy();
        });
    });
  }

  /** The campaign id when this request is one the lean route takes; null for Express. */
  private claimTarget(req: IncomingMessage): string | null {
    if (req.method !== 'POST' || req.headers.origin !== undefined || !JSON_TYPE.test(req.headers['content-type'] ?? '')) return null;
    const match = PATH.exec(req.url ?? '');
    if (!match) return null;
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return null;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse, campaignId: string, fallback: RequestListener): Promise<void> {
    const user = await verifiedUser(req, this.jwt);
    // The auth guard answers a missing or invalid token and another role in its own words.
    if (user?.role !== Role.Member) return fallback(req, res);
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req, res);
    let status = 500;
    let payload: unknown;
    let retryAfter: Record<string, string> = {};
    try {
      payload = await this.claim(req, res, user, campaignId);
      status = 201;
    } catch (error) {
      const body = errorBody(this.adapterHost.httpAdapter.mapException?.(error) ?? error, { req: { id: requestId, method: req.method, url: req.url } });
      status = body.statusCode;
      payload = body;
      const wait = retryAfterSeconds(body);
      if (wait !== undefined) retryAfter = { 'Retry-After': String(wait) };
    }
    if (res.destroyed) return;
    const json = JSON.stringify(payload);
    res.writeHead(status, {
      ...this.headers,
      ...retryAfter,
      'X-Request-Id': requestId,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
    });
    res.end(json);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    observeHttpRequest('POST', METRIC_ROUTE, status, seconds);
    if (this.logger.logger.isLevelEnabled('info')) {
      // The request and response themselves, as pino-http logs them: its serializers read `req.id`.
      Object.assign(req, { id: requestId });
      const errorCode = status >= 400 ? (payload as ErrorBody).code : undefined;
      this.logger.info({ req, res, responseTime: Math.round(seconds * 1000), ...requestFacts(user.id, errorCode) }, 'request completed');
    }
  }

  /**
   * Body, rate limits, validation and the claim, answered as Nest's pipeline answers them: a
   * rate-limit refusal comes before any other answer but a malformed body's. The limiter's Redis
   * call and the claim's reads run at the same time (one round trip less per claim); the claim
   * waits for the limiter's verdict before it reserves anything (ClaimsService's `admission`).
   *
   * The auth guard answers the token of an erased (or unknown) account 401 before the route runs.
   * Here a new claim is refused for such an account where it is written, so only the other
   * answers (a refusal, bad input, a replay) ask the guard's account check first.
   */
  private async claim(req: IncomingMessage, res: ServerResponse, user: AuthUser, campaignId: string): Promise<unknown> {
    const body = await this.parseBody(req, res);
    // As the guard reads `req.ip`: a client gone since its body arrived has no address left.
    const client = (proxyAddr(req, this.trust) as string | undefined) ?? 'unknown';
    const admission = this.limiter.check(RATE_LIMIT_ROUTE, client, user.id).then((refusal) => {
      if (refusal) throw refusal;
    });
    const key = req.headers['idempotency-key'];
    const claimed = this.validate(body).then((dto) =>
      withinRequestTimeout(this.claims.claim(user, campaignId, typeof key === 'string' ? key : undefined, dto, admission), this.config.requestTimeoutMs),
    );
    const [admitted, outcome] = await Promise.allSettled([admission, claimed]);
    if (admitted.status === 'rejected') throw admitted.reason;
    // An answer that tells the caller something needs a live account; a 503 (nothing decided) does
    // not, and the check's own read would only replace the claim's 503 with a vaguer one.
    const tells = outcome.status === 'fulfilled' ? isReplayedAnswer(outcome.value) : !isUnavailableAnswer(outcome.reason);
    if (tells) await this.accounts.assertLive(user);
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }

  private async validate(body: unknown): Promise<CreateClaimDto> {
    return (await this.pipe.transform(body, { type: 'body', metatype: CreateClaimDto })) as CreateClaimDto;
  }

  /** Express's own JSON parser, so bad bodies get the very answers they get on any route. */
  private parseBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.parseJson(req as Request, res as Response, (error?: unknown) => (error ? reject(error) : resolve((req as Request).body))),
    );
  }
}
