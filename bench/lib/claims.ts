import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchEnvironment, ROOT } from './environment';
import { LoadResult, PlannedRequest, countStatus, describeStatuses } from './http-load';
import { check } from './pairs';
import { signAccessToken } from './tokens';
import { BenchResult } from './types';

export const CLAIM_BODY = JSON.stringify({ acceptDisclosure: true });

/** null once the claims endpoint is wired into the campaign-service, else why not. */
export function claimsUnavailableReason(): string | null {
  const controller = join(ROOT, 'apps/campaign-service/src/claims/claims.controller.ts');
  if (!existsSync(controller)) return 'the claims endpoint (apps/campaign-service/src/claims/claims.controller.ts) has not landed';
  const appModule = readFileSync(join(ROOT, 'apps/campaign-service/src/app.module.ts'), 'utf8');
  if (!/ClaimsModule/.test(appModule)) return 'ClaimsModule is not imported by the campaign-service AppModule yet';
  return null;
}

/** Bearer tokens for members, minted with the services' JWT secret (no login round trip). */
export class MemberTokens {
  private readonly cache = new Map<string, string>();
  constructor(private readonly secret: string) {}

  auth(memberId: string): string {
    let header = this.cache.get(memberId);
    if (!header) {
      header = `Bearer ${signAccessToken(this.secret, { sub: memberId, role: 'member', brandId: null })}`;
      this.cache.set(memberId, header);
    }
    return header;
  }
}

export function claimRequest(campaignId: string, authorization: string, idempotencyKey: string): PlannedRequest {
  return {
    method: 'POST',
    path: `/campaigns/${campaignId}/claims`,
    headers: { 'content-type': 'application/json', authorization, 'idempotency-key': idempotencyKey },
    body: CLAIM_BODY,
  };
}

interface ClaimBody {
  id?: string;
  code?: string;
}

export function parseBodies(load: LoadResult, status: number): ClaimBody[] {
  return (load.bodies.get(status) ?? []).map((body) => {
    try {
      return JSON.parse(body) as ClaimBody;
    } catch {
      return {};
    }
  });
}

/** Refusal codes of the 409/403 answers, counted. */
export function refusalCodes(load: LoadResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of [403, 409]) for (const body of parseBodies(load, status)) counts[body.code ?? '?'] = (counts[body.code ?? '?'] ?? 0) + 1;
  return counts;
}

/**
 * The claim invariants after a load: no HTTP error other than a refusal, never oversold,
 * claimed_units equal to the live claims, every 201 backed by a stored claim (no lost
 * claim), no member above the per-member limit.
 */
export async function verifyClaims(
  env: BenchEnvironment,
  result: BenchResult,
  label: string,
  campaignIds: string[],
  load: LoadResult,
  allowedStatuses: number[],
  connections: number,
  /** live claims made before this load (warm-up), not part of its answers */
  earlierClaims = 0,
): Promise<{ acceptedIds: Set<string> }> {
  const unexpected = [...load.statuses].filter(([status]) => !allowedStatuses.includes(status));
  check(
    result,
    `${label}: every request answered with a decision`,
    unexpected.length === 0 && load.errors === 0 && load.timeouts === 0,
    `statuses ${describeStatuses(load)}; connection errors ${load.errors}, timeouts ${load.timeouts}`,
  );
  const stock = await env.one<{ over: number; mismatched: number; campaigns: number; claimed: number; live: number }>(
    `SELECT count(*) FILTER (WHERE c.claimed_units > c.total_units)::int AS over,
            count(*) FILTER (WHERE c.claimed_units <> coalesce(l.live, 0))::int AS mismatched,
            count(*)::int AS campaigns, coalesce(sum(c.claimed_units), 0)::int AS claimed, coalesce(sum(l.live), 0)::int AS live
     FROM campaigns c
     LEFT JOIN (SELECT campaign_id, count(*) AS live FROM claims WHERE status IN ('pending', 'fulfilled') GROUP BY campaign_id) l
       ON l.campaign_id = c.id
     WHERE c.id = ANY($1::uuid[])`,
    [campaignIds],
  );
  check(result, `${label}: never oversold (claimed_units ≤ total_units)`, stock.over === 0, `${stock.over} of ${stock.campaigns} campaigns oversold`);
  check(
    result,
    `${label}: claimed_units = count(live claims)`,
    stock.mismatched === 0,
    `claimed_units ${stock.claimed}, live claims ${stock.live}, ${stock.mismatched} campaigns disagree`,
  );
  const acceptedIds = new Set(parseBodies(load, 201).map((b) => b.id).filter((id): id is string => typeof id === 'string'));
  const bodiesWithoutId = countStatus(load, 201) - parseBodies(load, 201).filter((b) => typeof b.id === 'string').length;
  const stored = await env.one<{ n: number }>(`SELECT count(*)::int AS n FROM claims WHERE id = ANY($1::uuid[])`, [[...acceptedIds]]);
  check(
    result,
    `${label}: no lost claim (every 201 has its claim row)`,
    stored.n === acceptedIds.size && bodiesWithoutId === 0,
    `${acceptedIds.size} distinct claim ids answered 201, ${stored.n} stored; ${bodiesWithoutId} 201 bodies without an id`,
  );
  // A run that ends on its duration cuts off the requests then in flight (at most one per
  // connection): their claims may be stored without the 201 reaching the load generator.
  const unanswered = stock.live - earlierClaims - acceptedIds.size;
  check(
    result,
    `${label}: every stored claim was answered 201 (bar requests cut off in flight at the end)`,
    unanswered >= 0 && unanswered <= connections,
    `${stock.live} live claims (${earlierClaims} from the warm-up), ${acceptedIds.size} distinct 201 ids, ${unanswered} stored without an answer (at most ${connections} in flight)`,
  );
  const overLimit = await env.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM claims k JOIN campaigns c ON c.id = k.campaign_id
       WHERE k.campaign_id = ANY($1::uuid[]) AND k.status IN ('pending', 'fulfilled')
       GROUP BY k.campaign_id, k.member_id, c.per_member_limit HAVING count(*) > c.per_member_limit) x`,
    [campaignIds],
  );
  check(result, `${label}: per-member limit held`, overLimit.n === 0, `${overLimit.n} members above their limit`);
  return { acceptedIds };
}

/** The campaign-service's group-commit counters (claim_commit_batch_size), if it exports them. */
export async function commitBatches(serviceUrl: string): Promise<{ claims: number; transactions: number } | null> {
  try {
    const text = await (await fetch(`${serviceUrl}/metrics`)).text();
    const sum = /^claim_commit_batch_size_sum (\S+)$/m.exec(text);
    const count = /^claim_commit_batch_size_count (\S+)$/m.exec(text);
    return sum && count ? { claims: Number(sum[1]), transactions: Number(count[1]) } : null;
  } catch {
    return null;
  }
}

/** A note on how well group commit batched during one run. */
export function describeBatches(label: string, before: Awaited<ReturnType<typeof commitBatches>>, after: Awaited<ReturnType<typeof commitBatches>>): string | null {
  if (!before || !after) return null;
  const claims = after.claims - before.claims;
  const transactions = after.transactions - before.transactions;
  if (!transactions) return null;
  return `${label}: group commit wrote ${claims.toLocaleString('en-US')} claim decisions in ${transactions.toLocaleString('en-US')} transactions (${(claims / transactions).toFixed(1)} per transaction)`;
}
