/** A small HTTP client for the demo: every call states the statuses it expects and fails with a clear message otherwise. */

export class DemoError extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface ErrorBody {
  statusCode?: number;
  code?: string;
  message?: string | string[];
  details?: unknown;
}

export const RATE_LIMIT_HINT =
  'The platform refused with 429 RATE_LIMITED: its per-IP limits (registrations, logins, requests) apply to clients ' +
  'other than the machine itself, and the demo is one client acting for thousands of members. Run the demo on the ' +
  "platform's machine, add this client's address to RATE_LIMIT_EXEMPT_IPS, or restart the platform with the limits off, e.g.\n" +
  '    RATE_LIMIT_IP=0 RATE_LIMIT_REGISTER=0 RATE_LIMIT_LOGIN_IP=0 npm start\n' +
  '  then run `npm run demo` again.';

export class Api {
  constructor(readonly base: string) {}

  async call<T>(
    step: string,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string>; expect: number[] },
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] = options.contentType ?? 'text/plain';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body, signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      throw new DemoError(
        step,
        `${method} ${path} could not reach ${this.base}: ${(error as Error).message}`,
        'Is the platform running? Start it with `npm start` (or pass --api http://host:port).',
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (HTML error page, CSV…): keep the text
    }
    if (!options.expect.includes(res.status)) {
      const err = (typeof parsed === 'object' && parsed ? parsed : {}) as ErrorBody;
      const detail = err.code ? `${err.code}: ${Array.isArray(err.message) ? err.message.join('; ') : err.message}` : String(text).slice(0, 300);
      throw new DemoError(
        step,
        `${method} ${path} answered ${res.status} (expected ${options.expect.join(' or ')}) — ${detail}`,
        res.status === 429 ? RATE_LIMIT_HINT : undefined,
      );
    }
    return { status: res.status, body: parsed as T };
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; `onDone` after each. */
export async function inParallel<I, O>(items: I[], concurrency: number, fn: (item: I, index: number) => Promise<O>, onDone?: () => void): Promise<O[]> {
  const results: O[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= error;
      }
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
