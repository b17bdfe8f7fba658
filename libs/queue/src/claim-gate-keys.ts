import type Redis from 'ioredis';

/**
 * Redis keys of the claim gate (the campaign-service's admission counters). The `{id}` hash
 * tag keeps one campaign's keys in one Redis Cluster slot so its Lua scripts stay atomic.
 */
export function claimGateKeys(prefix: string, campaignId: string): { state: string; members: string; idem: (memberId: string, key: string) => string } {
  const base = `${prefix}:claimgate:{${campaignId}}`;
  return { state: base, members: `${base}:members`, idem: (memberId, key) => `${base}:idem:${memberId}:${key}` };
}

// Only touches a loaded gate; a missing one is reloaded from PostgreSQL on its next use.
const RELEASE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'claimed') or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'claimed', -1) end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') > 0 then redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
return 1`;

/**
 * Gives a unit back to the gate after PostgreSQL released it (a failed or cancelled claim).
 * Best effort: a gate that missed it is healed from PostgreSQL's counts (on a reconnect of the
 * API's gate client, or when a claim refused by the gate finds PostgreSQL disagreeing).
 */
export async function releaseClaimGateUnit(redis: Redis, prefix: string, campaignId: string, memberId: string): Promise<void> {
  const keys = claimGateKeys(prefix, campaignId);
  await redis.eval(RELEASE_SCRIPT, 2, keys.state, keys.members, memberId);
}
