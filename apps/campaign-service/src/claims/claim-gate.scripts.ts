/**
 * Lua scripts of the claim gate. State hash fields: total, claimed, open (1/0), limit,
 * ends (epoch ms), epoch (changes on every reload from PostgreSQL). The members hash maps
 * member id → live claims, with a `_` sentinel so "loaded and empty" differs from "missing".
 * Idempotency markers hold `p|<claim json>` while the claim is being written, `c|…` after,
 * and `r|<refusal json>` for a request that was refused (see ClaimGateService.rememberRefusal).
 */

/**
 * KEYS state, members, idem; ARGV member, claim json, idem ttl s, now ms → {outcome, payload, count}.
 * On ok, count is the member's live claims including this one: the member slot the claim takes.
 */
export const RESERVE = `
local s = redis.call('HMGET', KEYS[1], 'total', 'claimed', 'open', 'limit', 'ends', 'epoch')
if not s[1] or redis.call('HEXISTS', KEYS[2], '_') == 0 then return {'miss', ''} end
local prev = redis.call('GET', KEYS[3])
if prev then return {'replay', prev} end
if s[3] ~= '1' or tonumber(s[5]) <= tonumber(ARGV[4]) then return {'closed', ''} end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= tonumber(s[4]) then return {'limit', ''} end
if tonumber(s[2]) >= tonumber(s[1]) then return {'sold_out', ''} end
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
local count = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SET', KEYS[3], 'p|' .. ARGV[2], 'EX', ARGV[3])
return {'ok', s[6], count}`;

/**
 * After PostgreSQL refused or did not take a reserved claim, bring the gate in line with
 * what PostgreSQL said. Counters are only touched within the epoch that reserved.
 * KEYS state, members, idem; ARGV epoch, member, mode (release | sold_out | limit | closed)
 */
export const SETTLE = `
redis.call('DEL', KEYS[3])
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
local mode = ARGV[3]
if mode == 'sold_out' then
  redis.call('HSET', KEYS[1], 'claimed', redis.call('HGET', KEYS[1], 'total'))
elseif tonumber(redis.call('HGET', KEYS[1], 'claimed') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'claimed', -1)
end
if mode == 'limit' then
  redis.call('HSET', KEYS[2], ARGV[2], redis.call('HGET', KEYS[1], 'limit'))
elseif tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') > 0 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
end
if mode == 'closed' then redis.call('HSET', KEYS[1], 'open', '0') end
return 1`;

/**
 * Installs a campaign's state read from PostgreSQL. The member counts were written to a
 * scratch key first; RENAME swaps them in atomically with the state.
 * KEYS state, members, scratch; ARGV total, claimed, open, limit, ends, epoch, ttl s
 */
export const LOAD = `
redis.call('RENAME', KEYS[3], KEYS[2])
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'claimed', ARGV[2], 'open', ARGV[3], 'limit', ARGV[4], 'ends', ARGV[5], 'epoch', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('EXPIRE', KEYS[2], ARGV[7])
return 1`;

/**
 * Drops a claim's in-progress marker when it is still that claim's (compare-and-delete): its
 * writer died or gave up before storing it. KEYS idem; ARGV claim id → 1 dropped, 0 not.
 */
export const DROP_ABANDONED = `
local raw = redis.call('GET', KEYS[1])
if not raw or string.sub(raw, 1, 2) ~= 'p|' or cjson.decode(string.sub(raw, 3)).id ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;
