import { useCallback, useEffect, useState } from 'react';
import { api } from './client';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (skipped while null) and reloads when it changes or on `reload()`. */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== null });
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, loading: true }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs one mutation at a time and keeps its error for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const run = useCallback(async <R>(action: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);

  return { busy, error, run, clearError: () => setError(undefined) };
}

export interface PagedResource<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  /** false until the first page arrived */
  loaded: boolean;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** A `{items, nextCursor}` list, with "load more" appending the next page. */
export function usePaged<T>(path: string | null, limit = 20): PagedResource<T> {
  const [pages, setPages] = useState<{ items: T[]; nextCursor: string | null; loaded: boolean }>({ items: [], nextCursor: null, loaded: false });
  const [cursor, setCursor] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<{ loading: boolean; error?: unknown }>({ loading: path !== null });

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setStatus({ loading: true });
    const separator = path.includes('?') ? '&' : '?';
    const url = `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    api<{ items: T[]; nextCursor: string | null }>(url, { signal: controller.signal }).then(
      (page) => {
        setPages((previous) => ({ items: cursor ? [...previous.items, ...page.items] : page.items, nextCursor: page.nextCursor, loaded: true }));
        setStatus({ loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setStatus({ loading: false, error });
      },
    );
    return () => controller.abort();
  }, [path, limit, cursor, version]);

  const { nextCursor } = pages;
  const loadMore = useCallback(() => setCursor(nextCursor), [nextCursor]);
  const reload = useCallback(() => {
    setCursor(null);
    setVersion((v) => v + 1);
  }, []);
  return {
    items: pages.items,
    error: status.error,
    loading: status.loading,
    loaded: pages.loaded,
    hasMore: nextCursor !== null,
    loadMore,
    reload,
  };
}

/** Calls `tick` every `ms` while `active`; used to follow work the queues finish later. */
export function usePolling(active: boolean, tick: () => void, ms = 2500): void {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [active, tick, ms]);
}
