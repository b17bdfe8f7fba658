import autocannon from 'autocannon';

export interface PlannedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  seconds: number;
  sent: number;
  /** responses by HTTP status */
  statuses: Map<number, number>;
  /** response bodies by status, for the statuses the caller asked to keep (claim ids of the 201s…) */
  bodies: Map<number, string[]>;
  /** the planned request index of each kept body, same order as `bodies` */
  bodyRequests: Map<number, number[]>;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A bounded autocannon run on loopback: `plan(i)` gives the i-th request (its own token,
 * idempotency key, body). Stops after `seconds` or after `maxRequests`, whichever first.
 */
export async function runHttpLoad(options: {
  url: string;
  connections: number;
  seconds: number;
  maxRequests: number;
  plan: (index: number) => PlannedRequest;
  keepBodiesFor?: number[];
}): Promise<LoadResult> {
  let next = 0;
  const statuses = new Map<number, number>();
  const bodies = new Map<number, string[]>();
  const bodyRequests = new Map<number, number[]>();
  const keep = new Set(options.keepBodiesFor ?? []);
  const started = process.hrtime.bigint();
  let answered = 0;
  let lastAnswer = started;

  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    maxOverallRequests: options.maxRequests,
    timeout: 20,
    requests: [
      {
        setupRequest: (request, context) => {
          const index = next++;
          const planned = options.plan(index);
          (context as { index?: number }).index = index;
          return { ...request, method: planned.method, path: planned.path, headers: planned.headers, body: planned.body };
        },
        onResponse: (status, body, context) => {
          answered++;
          lastAnswer = process.hrtime.bigint();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (keep.has(status)) {
            if (!bodies.has(status)) {
              bodies.set(status, []);
              bodyRequests.set(status, []);
            }
            bodies.get(status)?.push(body);
            bodyRequests.get(status)?.push((context as { index: number }).index);
          }
        },
      },
    ],
  });
  // autocannon notices that every request was answered only at its next 1 s tick: a run that
  // reached maxRequests ends at its last answer, not at that tick (which capped the rate).
  const seconds = Number((answered >= options.maxRequests ? lastAnswer : process.hrtime.bigint()) - started) / 1e9;
  return {
    seconds: Math.min(seconds, result.duration || seconds),
    sent: next,
    statuses,
    bodies,
    bodyRequests,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export function countStatus(result: LoadResult, ...codes: number[]): number {
  return codes.reduce((sum, code) => sum + (result.statuses.get(code) ?? 0), 0);
}

export function describeStatuses(result: LoadResult): string {
  return [...result.statuses].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${n}`).join(' ') || 'none';
}
