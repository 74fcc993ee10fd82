/**
 * @kv/store/redis: a store in Redis for many workers (`ioredis`, an optional peer dependency of
 * @kv/store needed only by this entry).
 */

export type { RedisStoreOptions } from './redis-store.js'
export { FAIL_FAST_CLIENT, RedisStore } from './redis-store.js'
