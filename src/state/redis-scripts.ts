/**
 * The Lua scripts of the Redis store. A script runs atomically in Redis, which gives compare-and-set
 * without WATCH (WATCH is per connection and would serialise every caller on one connection), puts the
 * change, its audit entries and the notification in one write, and makes lease renewal safe (only the
 * holder renews). ioredis sends them by EVALSHA and falls back to EVAL after a Redis restart.
 */

/**
 * KEYS: state hash, audit list, the model's audit list. ARGV: expected revision, models JSON, entry
 * JSON, audit limit, channel, message suffix. Returns the new revision, or 0 when the revision moved.
 */
export const UPDATE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
local revision = current + 1
redis.call('HSET', KEYS[1], 'revision', revision, 'models', ARGV[2])
for i = 2, 3 do
  redis.call('LPUSH', KEYS[i], ARGV[3])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[4]) - 1)
end
redis.call('PUBLISH', ARGV[5], revision .. ' ' .. ARGV[6])
return revision
`

/** KEYS: the lease. ARGV: holder, ttl ms. 1 when `holder` has the lease now (acquired or renewed). */
export const LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`

/** KEYS: the lease. ARGV: holder. Deletes the lease only when `holder` has it. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/**
 * KEYS: the set of reporting replicas, this replica's report. ARGV: replica, counts JSON, ttl ms. The
 * report expires on its own; the set lives as long as its longest-lived report.
 */
export const ADD_COUNTS = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`

export const SCRIPTS = {
  headlinerUpdate: { lua: UPDATE, numberOfKeys: 3 },
  headlinerLease: { lua: LEASE, numberOfKeys: 1 },
  headlinerRelease: { lua: RELEASE, numberOfKeys: 1 },
  headlinerAddCounts: { lua: ADD_COUNTS, numberOfKeys: 2 }
} as const

/** The methods ioredis adds for SCRIPTS (it types them loosely). */
export type ScriptMethods = { [K in keyof typeof SCRIPTS]: (...args: (string | number)[]) => Promise<unknown> }
