import { JwtService } from '@nestjs/jwt';
import type { NextFunction, Request, Response } from 'express';
import { verifiedUser } from '@app/auth';
import { Role } from '@app/domain';

export const DASHBOARD_ROUTE = '/admin/queues';
export const DASHBOARD_COOKIE = 'perks_queue_dashboard';
export const DASHBOARD_TOKEN_TTL_S = 15 * 60;
const PURPOSE = 'queue-dashboard';

/** A short-lived token good for the dashboard only (not for the API). */
export function signDashboardToken(jwt: JwtService, adminId: string): string {
  return jwt.sign({ sub: adminId, purpose: PURPOSE }, { expiresIn: DASHBOARD_TOKEN_TTL_S });
}

function validDashboardToken(jwt: JwtService, token: string | undefined): boolean {
  if (!token) return false;
  try {
    return jwt.verify<{ purpose?: string }>(token).purpose === PURPOSE;
  } catch {
    return false;
  }
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function refuse(res: Response, statusCode: 401 | 403): void {
  res.status(statusCode).json({
    statusCode,
    code: statusCode === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
    message: statusCode === 401 ? 'An admin access token or dashboard session is required' : 'Only admins may open the queue dashboard',
  });
}

/**
 * Guards bull-board, which Nest guards do not reach (it is Express middleware). Accepted: an
 * admin's `Authorization: Bearer` access token (API clients), or the dashboard session cookie
 * that `POST /admin/queue-dashboard/session` sets (browsers cannot add headers to page loads).
 * `?ticket=` (the same short-lived token) turns into that cookie, for links opened in a new tab.
 */
export function dashboardAccess(jwt: JwtService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
    if (ticket && validDashboardToken(jwt, ticket)) {
      res.cookie(DASHBOARD_COOKIE, ticket, {
        httpOnly: true,
        sameSite: 'strict',
        path: DASHBOARD_ROUTE,
        maxAge: DASHBOARD_TOKEN_TTL_S * 1000,
        secure: req.secure,
      });
      res.redirect(303, req.baseUrl || DASHBOARD_ROUTE);
      return;
    }
    if (validDashboardToken(jwt, cookie(req, DASHBOARD_COOKIE))) return next();
    const user = await verifiedUser(req as unknown as Parameters<typeof verifiedUser>[0], jwt);
    if (!user) return refuse(res, 401);
    if (user.role !== Role.Admin) return refuse(res, 403);
    next();
  };
}
