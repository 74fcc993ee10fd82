import type { ChunkSource } from '../format/chunk-reader.js'
import { concatChunks } from '../format/io.js'

/** Options of `KVStore.put`. */
export interface PutOptions {
  /** Time to live in milliseconds; after it the entry is a miss. Default: the store's default (none). */
  readonly ttlMs?: number
}

/** A store failure that the store absorbed (a lookup became a miss, a write did not happen). */
export interface StoreFault {
  readonly operation: 'get' | 'put' | 'delete' | 'has' | 'evict'
  readonly key: string
  readonly error: unknown
}

/**
 * Where stored cache states live: bytes under string keys, with a byte budget and TTLs. Lookups never
 * throw because the backend failed: a failure is a miss (`get` → undefined, `has` → false) and a write
 * that did not happen returns false, so a decoder falls back to prefilling and no request fails because
 * the store did. Faults go to the store's `onFault` option for logging.
 *
 * @example
 * const store = new MemoryStore({ maxBytes: 256 << 20 })
 * await store.put(key, await concatChunks(encodeState(cache.saveState(), header)), { ttlMs: 3_600_000 })
 * const bytes = await store.get(key) // undefined on a miss
 */
export interface KVStore {
  /** The bytes under `key`, or undefined: absent, expired, evicted, corrupt or the backend failed. */
  get(key: string): Promise<Uint8Array | undefined>
  /**
   * The entry under `key` as chunks read as they are consumed, so a large state is never whole in memory,
   * or undefined on a miss. The chunks are one version of the entry, or the format's checksums fail: a
   * failure part-way (the backend lost, the entry replaced or found corrupt) throws from the iteration,
   * which readers treat as an unusable entry. Optional: without it, readers use `get`.
   */
  getStream?(key: string): Promise<ChunkSource | undefined>
  /**
   * Stores `value` (bytes, or chunks written as they come) under `key`, replacing any entry atomically:
   * a reader sees the old entry or the new one, never a mix. False when it was not stored (bigger than
   * the budget, or the backend failed).
   */
  put(key: string, value: Uint8Array | ChunkSource, options?: PutOptions): Promise<boolean>
  /** Removes `key`; true when an entry was there. */
  delete(key: string): Promise<boolean>
  /** Whether `key` holds a live entry (not a promise that `get` will find it: it may expire or be evicted). */
  has(key: string): Promise<boolean>
  /** Releases connections and handles. */
  close(): Promise<void>
}

/** The size of the chunks `getStream` gives (1 MiB: one section of the format). */
export const STREAM_CHUNK_BYTES = 1 << 20

/** Options every store takes. */
export interface StoreOptions {
  /** The most bytes of values the store keeps; the least recently used entries go first. */
  readonly maxBytes?: number
  /** TTL for puts that do not give one, in milliseconds. */
  readonly defaultTtlMs?: number
  /** Told of every failure the store absorbed. */
  readonly onFault?: (fault: StoreFault) => void
}

/** The TTL of a put, checked: undefined for none. */
export function ttlOf(options: PutOptions | undefined, defaults: StoreOptions): number | undefined {
  const ttl = options?.ttlMs ?? defaults.defaultTtlMs
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0))
    throw new RangeError(`@kv/store: ttlMs must be a positive number of milliseconds, got ${ttl}`)
  return ttl
}

/** Collects a value given as chunks into one array (stores whose backend takes whole values). */
export async function valueBytes(value: Uint8Array | ChunkSource): Promise<Uint8Array> {
  return value instanceof Uint8Array ? value : concatChunks(value)
}
