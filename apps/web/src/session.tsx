import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, ApiError, configureClient } from './api/client';
import type { Me, TokenPair } from './api/types';

const STORAGE_KEY = 'perks.session';
const RESTORE_ATTEMPTS = 5;

interface SessionState {
  me: Me | null;
  /** true until the stored token has been checked with GET /me */
  restoring: boolean;
  /** the API ended the session (not a logout): the login page says so */
  ended: boolean;
  login(email: string, password: string): Promise<Me>;
  logout(): void;
}

const SessionContext = createContext<SessionState | null>(null);

const parseTokens = (stored: string | null): TokenPair | null => {
  try {
    return JSON.parse(stored ?? 'null') as TokenPair | null;
  } catch {
    return null;
  }
};

const readTokens = () => parseTokens(localStorage.getItem(STORAGE_KEY));

const storeTokens = (tokens: TokenPair | null) =>
  tokens ? localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens)) : localStorage.removeItem(STORAGE_KEY);

/** The account an access token speaks for (its `sub`); null for anything that is not a JWT. */
function subjectOf(accessToken: string | undefined): string | null {
  try {
    const payload = accessToken?.split('.')[1] ?? '';
    return (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown }).sub?.toString() ?? null;
  } catch {
    return null;
  }
}

/**
 * The account this tab shows. Every tab shares the stored session, so logging in as someone else
 * in another tab replaces it: this tab then reloads as that account, and until it has, it sends
 * nothing with the other account's tokens (a claim would become theirs).
 */
let signedInAs: string | null = null;

const isAnotherAccount = (stored: TokenPair | null) => stored !== null && signedInAs !== null && subjectOf(stored.accessToken) !== signedInAs;

/** The stored session, unless it is another account's by now. */
function ownTokens(): TokenPair | null {
  const stored = readTokens();
  if (isAnotherAccount(stored)) {
    throw new ApiError(0, 'ACCOUNT_CHANGED', 'You logged in to another account in another tab. Reload the page to continue as that account.');
  }
  return stored;
}

/**
 * A new access token for one the API refused. Every tab of the console shares the stored session
 * and a refresh token is single-use (presenting a rotated one ends the whole session unless it was
 * rotated only moments ago), so tabs refresh one at a time, and a tab whose token another tab has
 * renewed meanwhile takes that one. Chromium may show that tab the other's write a moment late;
 * the API's reuse grace covers that.
 */
function refreshTokens(refused: string): Promise<string | null> {
  return navigator.locks ? navigator.locks.request(STORAGE_KEY, () => rotateTokens(refused)) : rotateTokens(refused);
}

/** Exchanges the refresh token for a new pair (the old one is rotated out); null when it is no longer valid. */
async function rotateTokens(refused: string): Promise<string | null> {
  const stored = ownTokens();
  if (stored && stored.accessToken !== refused) return stored.accessToken;
  const refreshToken = stored?.refreshToken;
  if (!refreshToken) return null;
  const response = await fetch('/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (!response.ok) return null;
  const tokens = (await response.json()) as TokenPair;
  storeTokens(tokens);
  return tokens.accessToken;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [restoring, setRestoring] = useState(() => readTokens() !== null);

  const [ended, setEnded] = useState(false);

  const show = useCallback((profile: Me | null) => {
    signedInAs = profile?.id ?? null;
    setMe(profile);
  }, []);

  // Another account's session, stored by another tab meanwhile, is left alone.
  const forget = useCallback(() => {
    if (!isAnotherAccount(readTokens())) storeTokens(null);
    show(null);
  }, [show]);

  const expire = useCallback(() => {
    forget();
    setEnded(true);
  }, [forget]);

  const logout = useCallback(() => {
    const stored = readTokens();
    const refreshToken = isAnotherAccount(stored) ? undefined : stored?.refreshToken;
    forget();
    // Ends the session on the server too; the console has already forgotten it either way.
    if (refreshToken) void api('/auth/logout', { method: 'POST', body: { refreshToken } }).catch(() => undefined);
  }, [forget]);

  useEffect(() => {
    configureClient({ token: () => ownTokens()?.accessToken ?? null, refresh: refreshTokens, unauthorized: expire });
    if (!readTokens()) return;
    let cancelled = false;
    // Only a refused session ends it (the client forgets it on a 401 it could not renew): a server
    // that is busy or out of reach while the page loads is asked again, for about half a minute.
    const restore = (attempt: number) =>
      api<Me>('/me').then(
        (profile) => {
          if (cancelled) return;
          show(profile);
          setRestoring(false);
        },
        (error: unknown) => {
          if (cancelled) return;
          const refused = error instanceof ApiError && error.status === 401;
          if (!refused && attempt < RESTORE_ATTEMPTS) setTimeout(() => void restore(attempt + 1), 1000 * 2 ** attempt);
          else setRestoring(false);
        },
      );
    void restore(0);
    return () => {
      cancelled = true;
    };
  }, [expire, show]);

  // Another tab logged out (the stored session is gone): this one is logged out too. Another tab
  // logged in as someone else: this one reloads as that account.
  useEffect(() => {
    const followOtherTabs = (event: StorageEvent) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      // The event's own value: this tab's copy of the storage may not show the write yet.
      const stored = event.key === null ? null : parseTokens(event.newValue);
      if (!stored) show(null);
      else if (isAnotherAccount(stored)) window.location.reload();
    };
    window.addEventListener('storage', followOtherTabs);
    return () => window.removeEventListener('storage', followOtherTabs);
  }, [show]);

  const login = useCallback(async (email: string, password: string) => {
    storeTokens(await api<TokenPair>('/auth/login', { method: 'POST', body: { email, password } }));
    const profile = await api<Me>('/me');
    show(profile);
    setEnded(false);
    return profile;
  }, [show]);

  const value = useMemo(() => ({ me, restoring, ended, login, logout }), [me, restoring, ended, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

export const homeFor = (me: Me) => (me.role === 'member' ? '/perks' : me.role === 'brand' ? '/campaigns' : '/admin/moderation');
