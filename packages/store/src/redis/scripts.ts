/**
 * Lua run atomically by Redis for the byte budget. The index of a store (all in its prefix): `lru`, a
 * sorted set of keys by last use; `size`, a hash of value bytes per key; `bytes`, their total. Entries
 * that expired by TTL stay in the index until the budget pops them (their bytes then count until they
 * are popped: the budget is kept, at worst a little early).
 *
 * After the entry is written (KEYS[1]) with `size` bytes: index it under ARGV[5] (its key) at time ARGV[3],
 * then pop the least recently used others while the total is past ARGV[4] (-1: no budget); an evicted
 * key's entry is ARGV[6] .. key .. ARGV[7].
 */
const INDEX_AND_EVICT = `
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
if old > 0 then redis.call('DECRBY', KEYS[4], old) end
redis.call('HSET', KEYS[3], ARGV[5], size)
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[5])
local total = redis.call('INCRBY', KEYS[4], size)
local budget = tonumber(ARGV[4])
local evicted = 0
if budget >= 0 then
  while total > budget do
    local popped = redis.call('ZPOPMIN', KEYS[2])
    if #popped == 0 then break end
    local member = popped[1]
    if member == ARGV[5] then
      redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), member)
      break
    end
    local bytes = tonumber(redis.call('HGET', KEYS[3], member) or '0')
    redis.call('HDEL', KEYS[3], member)
    redis.call('DEL', ARGV[6] .. member .. ARGV[7])
    total = redis.call('DECRBY', KEYS[4], bytes)
    evicted = evicted + 1
  end
end
return evicted
`

/** KEYS: entry, lru, size, bytes. ARGV: value, ttl ms (0 = none), now, budget, key, entry head, entry tail. */
export const PUT_SCRIPT = `
local size = string.len(ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
${INDEX_AND_EVICT}`

/**
 * KEYS: entry, lru, size, bytes, temp. ARGV: (unused), ttl ms (0 = none), now, budget, key, entry head,
 * entry tail. Renames a value streamed into the temp key over the entry (atomic), sets its TTL, indexes it.
 */
export const COMMIT_SCRIPT = `
redis.call('RENAME', KEYS[5], KEYS[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
local size = redis.call('STRLEN', KEYS[1])
if tonumber(ARGV[4]) < 0 then return 0 end
${INDEX_AND_EVICT}`

/**
 * KEYS: entry, temp. ARGV: ttl ms (0 = none). The commit of a store without a budget: it names only the
 * entry and its temp key (one hash tag, one slot), so it runs on a Redis Cluster, where a script's keys
 * must all be in one slot.
 */
export const COMMIT_ENTRY_SCRIPT = `
redis.call('RENAME', KEYS[2], KEYS[1])
local ttl = tonumber(ARGV[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return 0
`

/** KEYS: entry, lru, size, bytes. ARGV: key. Deletes an entry and its index rows; returns 1 if it existed. */
export const DELETE_SCRIPT = `
local existed = redis.call('DEL', KEYS[1])
local bytes = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if bytes > 0 then redis.call('DECRBY', KEYS[4], bytes) end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
`
