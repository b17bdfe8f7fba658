/** A thin fetch wrapper: bearer token, JSON in and out, API.md's error body turned into an ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** sent as is with this content type instead of JSON (e.g. text/csv) */
  raw?: { contentType: string; text: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

interface ClientHooks {
  /** the current access token, if any */
  token: () => string | null;
  /** gets a new access token after a 401 of this one (refresh token rotation); null when the session is over */
  refresh: (refused: string) => Promise<string | null>;
  /** the session is over: forget it */
  unauthorized: () => void;
}

let hooks: ClientHooks = { token: () => null, refresh: async () => null, unauthorized: () => undefined };
let refreshing: Promise<string | null> | null = null;

export function configureClient(next: ClientHooks): void {
  hooks = next;
}

/** One refresh at a time: parallel requests that all got 401 share it (a refresh token is single-use). */
function refreshOnce(refused: string): Promise<string | null> {
  refreshing ??= hooks.refresh(refused).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = hooks.token();
  let response = await send(path, options, token);
  if (response.status === 401 && token) {
    const fresh = await refreshOnce(token).catch(() => null);
    if (fresh) response = await send(path, options, fresh);
    if (response.status === 401) hooks.unauthorized();
  }

  if (response.status === 204) return undefined as T;
  const parsed = parseJson(await response.text());
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw) {
    headers['Content-Type'] = options.raw.contentType;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  try {
    return await fetch(path, { method: options.method ?? 'GET', headers, body, signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The server could not be reached');
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const { code, message, details } = body as { code: unknown; message?: unknown; details?: unknown };
    return new ApiError(status, String(code), typeof message === 'string' ? message : '', details);
  }
  return new ApiError(status, status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`, '');
}

/** Appends `?limit&cursor` and other defined query values. */
export function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
