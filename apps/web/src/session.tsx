import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, configureClient } from './api/client';
import type { Me, TokenPair } from './api/types';

const STORAGE_KEY = 'perks.session';

interface SessionState {
  me: Me | null;
  /** true until the stored token has been checked with GET /me */
  restoring: boolean;
  login(email: string, password: string): Promise<Me>;
  logout(): void;
}

const SessionContext = createContext<SessionState | null>(null);

const readToken = (): string | null => {
  try {
    return (JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as TokenPair | null)?.accessToken ?? null;
  } catch {
    return null;
  }
};

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [restoring, setRestoring] = useState(() => readToken() !== null);

  const logout = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setMe(null);
  }, []);

  useEffect(() => {
    configureClient(readToken, logout);
    if (!readToken()) return;
    api<Me>('/me')
      .then(setMe, () => logout())
      .finally(() => setRestoring(false));
  }, [logout]);

  const login = useCallback(async (email: string, password: string) => {
    const tokens = await api<TokenPair>('/auth/login', { method: 'POST', body: { email, password } });
    localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    const profile = await api<Me>('/me');
    setMe(profile);
    return profile;
  }, []);

  const value = useMemo(() => ({ me, restoring, login, logout }), [me, restoring, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

export const homeFor = (me: Me) => (me.role === 'member' ? '/perks' : me.role === 'brand' ? '/campaigns' : '/admin/moderation');
