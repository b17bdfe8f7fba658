import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { NextFunction, Request, Response } from 'express';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { errorBody, retryAfterSeconds } from '@app/platform';
import { AccountCheck, verifiedUser } from '@app/auth';

export const DASHBOARD_ROUTE = '/admin/queues';
const DASHBOARD_COOKIE = 'perks_queue_dashboard';
export const DASHBOARD_TOKEN_TTL_S = 15 * 60;
/** A ticket link is opened at once, and once: one that lingers in a history is soon worth nothing. */
const DASHBOARD_TICKET_TTL_S = 60;
type Purpose = 'queue-dashboard' | 'queue-dashboard-ticket';

/** A short-lived token good for the dashboard only (not for the API): the session cookie's, or a ticket's (with its own id). */
export function signDashboardToken(jwt: JwtService, adminId: string, purpose: Purpose = 'queue-dashboard'): string {
  return purpose === 'queue-dashboard'
    ? jwt.sign({ sub: adminId, purpose }, { expiresIn: DASHBOARD_TOKEN_TTL_S })
    : jwt.sign({ sub: adminId, purpose }, { expiresIn: DASHBOARD_TICKET_TTL_S, jwtid: randomUUID() });
}

/** The admin id (and the ticket's id) of a valid token of this purpose, or null. */
function dashboardToken(jwt: JwtService, token: string | undefined, purpose: Purpose): { subject: string; id?: string } | null {
  if (!token) return null;
  try {
    const claims = jwt.verify<{ purpose?: string; sub?: string; jti?: string }>(token);
    return claims.purpose === purpose && typeof claims.sub === 'string' ? { subject: claims.sub, id: claims.jti } : null;
  } catch {
    return null;
  }
}

/** Spends a ticket: true the first time its id is presented, false ever after (until it expired anyway). */
export type SpendTicket = (ticketId: string, ttlSeconds: number) => Promise<boolean>;

export function setDashboardCookie(res: Response, token: string, secure: boolean): void {
  res.cookie(DASHBOARD_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: DASHBOARD_ROUTE, maxAge: DASHBOARD_TOKEN_TTL_S * 1000, secure });
}

/**
 * A change made with the session cookie comes from the dashboard's own page: a browser names the
 * origin of a cross-origin request (another site, or another app on this host on another port).
 */
function sameOrigin(req: Request): boolean {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return true;
  const origin = req.headers.origin;
  return origin === undefined || origin === `${req.protocol}://${req.headers.host ?? ''}`;
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Answers as the API's error filter does: the error body, and its Retry-After where it has one. */
function answer(res: Response, error: DomainError): void {
  const body = errorBody(error);
  const wait = retryAfterSeconds(body);
  if (wait !== undefined) res.setHeader('Retry-After', String(wait));
  res.status(body.statusCode).json(body);
}

function refuse(res: Response, statusCode: 401 | 403, message = statusCode === 401 ? 'An admin access token or dashboard session is required' : 'Only admins may open the queue dashboard'): void {
  answer(res, new DomainError(statusCode === 401 ? ErrorCode.Unauthorized : ErrorCode.Forbidden, message));
}

/**
 * Guards bull-board, which Nest guards do not reach (it is Express middleware). Accepted: an
 * admin's `Authorization: Bearer` access token (API clients), or the dashboard session cookie
 * that `POST /admin/queue-dashboard/session` sets (browsers cannot add headers to page loads),
 * for changes only from the dashboard's own origin. `?ticket=` (a token good for a minute and for
 * one use, not the cookie's) turns into a session cookie, for links opened in a new tab.
 */
export function dashboardAccess(jwt: JwtService, accounts: AccountCheck, spendTicket: SpendTicket, redisAnswering: () => Promise<boolean>) {
  /** The account behind a token is a live admin (a token is believed for its signature alone otherwise). */
  const liveAdmin = (id: string) =>
    accounts.assertLive({ id, role: Role.Admin, brandId: null }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof DomainError) return false;
        throw error;
      },
    );
  /**
   * The dashboard's API reads Redis through BullMQ, whose commands wait for Redis to return: while
   * it is away (or hangs) they are answered 503 within a second, as the API's routes are, instead
   * of after the outage.
   */
  const proceed = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!req.path.startsWith('/api/') || (await redisAnswering())) return next();
    answer(res, new DomainError(ErrorCode.ServiceUnavailable, 'Redis is not answering: the queues cannot be read; try again shortly'));
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
    const held = dashboardToken(jwt, ticket, 'queue-dashboard-ticket');
    if (held?.id && (await liveAdmin(held.subject)) && (await spendTicket(held.id, DASHBOARD_TICKET_TTL_S))) {
      setDashboardCookie(res, signDashboardToken(jwt, held.subject), req.secure);
      res.redirect(303, req.baseUrl || DASHBOARD_ROUTE);
      return;
    }
    const session = dashboardToken(jwt, cookie(req, DASHBOARD_COOKIE), 'queue-dashboard');
    if (session && (await liveAdmin(session.subject))) {
      return sameOrigin(req) ? await proceed(req, res, next) : refuse(res, 403, 'Dashboard changes are taken from its own page only');
    }
    const user = await verifiedUser(req as unknown as Parameters<typeof verifiedUser>[0], jwt);
    if (!user) return refuse(res, 401);
    if (user.role !== Role.Admin) return refuse(res, 403);
    if (!(await liveAdmin(user.id))) return refuse(res, 401);
    await proceed(req, res, next);
  };
}
