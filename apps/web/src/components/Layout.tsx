import { useEffect, useRef } from 'react';
import { matchPath, NavLink, Navigate, Outlet, useLocation } from 'react-router-dom';
import { useResource } from '../api/hooks';
import type { Notification, Page, Role } from '../api/types';
import { useSession } from '../session';
import { QueueDashboardLink } from './QueueDashboardLink';
import { Loading } from './States';

const NAV: Record<Role, [string, string][]> = {
  member: [
    ['/perks', 'Perks'],
    ['/claims', 'My claims'],
    ['/notifications', 'Notifications'],
    ['/profile', 'Profile'],
  ],
  brand: [
    ['/campaigns', 'Campaigns'],
    ['/campaigns/new', 'New campaign'],
  ],
  admin: [
    ['/admin/moderation', 'Moderation'],
    ['/campaigns', 'Campaigns'],
    ['/admin/claims', 'Claims'],
  ],
};

const TITLES: [string, string][] = [
  ['/login', 'Log in'],
  ['/signup', 'Create an account'],
  ['/perks', 'Your perks'],
  ['/perks/:id', 'Perk'],
  ['/claims', 'My claims'],
  ['/notifications', 'Notifications'],
  ['/profile', 'Your profile'],
  ['/campaigns', 'Campaigns'],
  ['/campaigns/new', 'New campaign'],
  ['/campaigns/:id', 'Campaign'],
  ['/campaigns/:id/edit', 'Edit campaign'],
  ['/admin/moderation', 'Moderation queue'],
  ['/admin/claims', 'Claims'],
];

export function Layout() {
  const { me, logout } = useSession();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPage = useRef(true);
  // After client-side navigation, keyboard and screen-reader users start at the new page's content.
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [pathname]);
  useEffect(() => {
    const title = TITLES.find(([pattern]) => matchPath(pattern, pathname))?.[1];
    document.title = title ? `${title} · Perks` : 'Perks';
  }, [pathname]);
  return (
    <>
      {/* The URL's hash is the route: the link moves the focus itself instead of navigating to "#main". */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <span className="logo">Perks</span>
        {me && (
          <nav aria-label="Main">
            {NAV[me.role].map(([to, label]) => (
              <NavLink key={to} to={to} end>
                {label}
                {to === '/notifications' && <UnreadCount pathname={pathname} />}
              </NavLink>
            ))}
            {me.role === 'admin' && <QueueDashboardLink className="nav-button" />}
          </nav>
        )}
        {me && (
          <div className="account">
            <span className="who">{me.displayName ?? me.email}</span>
            <button type="button" className="link-button" onClick={logout}>
              Log out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Outlet />
      </main>
    </>
  );
}

/** The member's unread notifications, recounted on every page change (so reading them clears it). */
function UnreadCount({ pathname }: { pathname: string }) {
  const notifications = useResource<Page<Notification>>('/me/notifications?limit=100');
  const { reload } = notifications;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [pathname, reload]);
  const unread = notifications.data?.items.filter((item) => !item.readAt).length ?? 0;
  if (unread === 0) return null;
  return (
    <span className="count" data-testid="unread-count">
      {unread === 100 ? '99+' : unread}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}

/** Sends visitors to log in and other roles to their own home. */
export function RequireRole({ roles }: { roles: Role[] }) {
  const { me, restoring } = useSession();
  const location = useLocation();
  if (restoring) return <Loading label="Checking your session…" />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (!roles.includes(me.role)) return <Navigate to="/" replace />;
  return <Outlet />;
}
