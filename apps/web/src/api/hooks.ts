import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './client';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again; settles once that load (or a later one) has landed, so an action can keep its button busy until the page shows the new state. */
  reload: () => Promise<void>;
}

/**
 * Numbered loads and the promises waiting for them: `request()` returns the number of a new load
 * and a promise that settles when `landed(n)` is called with that number or a later one (a newer
 * load supersedes an older one), or when the component unmounts.
 */
function useLoadWaiters() {
  const latest = useRef(0);
  const waiting = useRef<{ load: number; settle: () => void }[]>([]);
  const landed = useCallback((load: number) => {
    const done = waiting.current.filter((waiter) => waiter.load <= load);
    waiting.current = waiting.current.filter((waiter) => waiter.load > load);
    for (const waiter of done) waiter.settle();
  }, []);
  const request = useCallback((): [number, Promise<void>] => {
    const load = ++latest.current;
    return [load, new Promise<void>((settle) => waiting.current.push({ load, settle }))];
  }, []);
  useEffect(() => () => landed(Infinity), [landed]);
  return { request, landed };
}

/** GETs `path` (skipped while null) and reloads when it changes or on `reload()`. */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== null });
  const [version, setVersion] = useState(0);
  const { request, landed } = useLoadWaiters();

  useEffect(() => {
    if (path === null) return landed(version);
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, loading: true }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => {
        setState({ data, loading: false });
        landed(version);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ error, loading: false });
        landed(version);
      },
    );
    return () => controller.abort();
  }, [path, version, landed]);

  const reload = useCallback(() => {
    const [load, landing] = request();
    setVersion(load);
    return landing;
  }, [request]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs one mutation at a time and keeps its error for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // An answer that arrives after the user left the page must not act on it (navigate, show a result).
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  /**
   * Resolves the action's result; `undefined` when it failed, or when the component that ran it is
   * gone. `refresh` (e.g. a resource's `reload`) runs after the action, also after a failure (a lost
   * answer may hide a change the server made), and the action stays busy until it has landed: its
   * button cannot send the action again before the page shows the new state.
   */
  const run = useCallback(async <R>(action: () => Promise<R>, refresh?: () => Promise<unknown>): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    let result: R | undefined;
    try {
      result = await action();
    } catch (caught) {
      if (mounted.current) setError(caught);
    }
    await refresh?.().catch(() => undefined);
    if (!mounted.current) return undefined;
    setBusy(false);
    return result;
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
  /** Reads again as many items as are shown (every page loaded so far); settles once they have landed. */
  reload: () => Promise<void>;
}

/** What the list reads next: the first page, the page after `cursor`, or again the first `shown` items. */
type PagedRequest = { load: number } & ({ kind: 'more'; cursor: string } | { kind: 'again'; shown: number });

/** A `{items, nextCursor}` list, with "load more" appending the next page. */
export function usePaged<T>(path: string | null, limit = 20): PagedResource<T> {
  const [pages, setPages] = useState<{ items: T[]; nextCursor: string | null; loaded: boolean }>({ items: [], nextCursor: null, loaded: false });
  const [next, setNext] = useState<PagedRequest>({ load: 0, kind: 'again', shown: 0 });
  const [status, setStatus] = useState<{ loading: boolean; error?: unknown }>({ loading: path !== null });
  const { request, landed } = useLoadWaiters();

  useEffect(() => {
    if (path === null) return landed(next.load);
    const controller = new AbortController();
    const separator = path.includes('?') ? '&' : '?';
    const read = (cursor: string | null) =>
      api<{ items: T[]; nextCursor: string | null }>(`${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        signal: controller.signal,
      });
    const load = async (): Promise<{ items: T[]; nextCursor: string | null }> => {
      if (next.kind === 'more') return read(next.cursor);
      // Page by page from the start until as many items as were shown: a reload (polling too) keeps
      // every page "load more" added, and the next cursor follows the last item read.
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const page = await read(cursor);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null && items.length < next.shown);
      return { items, nextCursor: cursor };
    };
    // A reload of what is shown (e.g. polling) keeps "Load more" as it is; a new page shows it loading.
    if (next.kind === 'more' || next.shown === 0) setStatus({ loading: true });
    load().then(
      (page) => {
        setPages((previous) => ({ items: next.kind === 'more' ? [...previous.items, ...page.items] : page.items, nextCursor: page.nextCursor, loaded: true }));
        setStatus({ loading: false });
        landed(next.load);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setStatus({ loading: false, error });
        landed(next.load);
      },
    );
    return () => controller.abort();
  }, [path, limit, next, landed]);

  const { nextCursor } = pages;
  const shown = pages.items.length;
  // How many items a reload reads again: those shown, and the page "load more" is fetching. A ref,
  // so `reload` keeps its identity (pollers restart their timer when it changes).
  const wanted = useRef(shown);
  useEffect(() => {
    wanted.current = shown;
  }, [shown]);
  const loadMore = useCallback(() => {
    if (nextCursor === null) return;
    wanted.current = shown + limit;
    setNext({ load: request()[0], kind: 'more', cursor: nextCursor });
  }, [nextCursor, shown, limit, request]);
  const reload = useCallback(() => {
    const [load, landing] = request();
    setNext({ load, kind: 'again', shown: wanted.current });
    return landing;
  }, [request]);
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
