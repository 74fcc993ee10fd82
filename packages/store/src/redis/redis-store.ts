import { type Cluster, Redis, type RedisOptions } from 'ioredis'
import type { ChunkSource } from '../format/chunk-reader.js'
import {
  type KVStore,
  type PutOptions,
  STREAM_CHUNK_BYTES,
  type StoreFault,
  type StoreOptions,
  ttlOf,
} from '../stores/kv-store.js'
import { COMMIT_ENTRY_SCRIPT, COMMIT_SCRIPT, DELETE_SCRIPT, PUT_SCRIPT } from './scripts.js'

/** Options of `RedisStore`. */
export interface RedisStoreOptions extends StoreOptions {
  /** Prefix of every key the store writes (default `kv:`): several stores can share one Redis. */
  readonly prefix?: string
  /** Milliseconds now, for the LRU order (default `Date.now`); TTLs are Redis's own clock. */
  readonly now?: () => number
  /** At most how long commands wait for the client's first connection or its failure (default 30 s). */
  readonly connectWaitMs?: number
}

/**
 * Client options that make a store fail fast instead of queueing while Redis is away: no offline queue,
 * no retry of a command that was in flight when the connection dropped, a command timeout, and
 * reconnection in the background (every 50–500 ms) so the store works again when Redis is back.
 */
export const FAIL_FAST_CLIENT: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(50 * attempt, 500),
  lazyConnect: false,
}

interface StoreCommands {
  kvPut(
    entry: string,
    lru: string,
    size: string,
    bytes: string,
    ...args: (string | Buffer | number)[]
  ): Promise<number>
  kvCommit(
    entry: string,
    lru: string,
    size: string,
    bytes: string,
    temp: string,
    ...args: (string | Buffer | number)[]
  ): Promise<number>
  kvCommitEntry(entry: string, temp: string, ttl: number): Promise<number>
  kvDelete(entry: string, lru: string, size: string, bytes: string, key: string): Promise<number>
}

/**
 * Whether every key of a store with this prefix lands in one Redis Cluster slot: the prefix holds a hash
 * tag (`{…}`, not empty), which Redis hashes instead of the whole key.
 */
function prefixPinsOneSlot(prefix: string): boolean {
  const open = prefix.indexOf('{')
  const close = prefix.indexOf('}', open + 1)
  return open >= 0 && close > open + 1
}

/** A streamed value's temp key expires after this if its writer dies before the commit. */
const TEMP_TTL_MS = 10 * 60_000

/**
 * A store in Redis, shared by any number of worker processes or machines. Each entry is one Redis string
 * (written with one atomic SET, with `PX` for a TTL); with `maxBytes`, a sorted-set index kept by Lua
 * scripts evicts the least recently used entries (one Redis, or on a Cluster a prefix with a hash tag such
 * as `{kv}:`, which puts the whole store in one slot). Without `maxBytes` every command touches one entry's
 * keys (one slot), so the client may be an ioredis `Cluster`: entries spread over its slots, and each
 * node's `maxmemory` with `allkeys-lru` bounds the bytes. Every backend failure (Redis stopped, restarted,
 * flushed, a timeout) is a miss or a `false` put, never an exception and never other bytes.
 *
 * @example
 * import { RedisStore } from '@kv/store/redis'
 * const store = RedisStore.connect('redis://127.0.0.1:6379', { maxBytes: 1 << 30, defaultTtlMs: 86_400_000 })
 */
export class RedisStore implements KVStore {
  private readonly prefix: string
  private readonly now: () => number
  private readonly client: (Redis | Cluster) & StoreCommands
  /** Settles when the client first connects (or gives up): until then commands wait instead of failing. */
  private readonly firstConnection: Promise<void>

  constructor(
    client: Redis | Cluster,
    private readonly options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'kv:'
    this.now = options.now ?? Date.now
    // The budget's index keys and entries would be in different slots: every put would fail (CROSSSLOT).
    if (options.maxBytes !== undefined && client.isCluster && !prefixPinsOneSlot(this.prefix))
      throw new Error(
        `RedisStore: maxBytes on a Redis Cluster needs a prefix with a hash tag (such as '{kv}:', which keeps the whole store in one slot), not '${this.prefix}'; or leave maxBytes out and bound memory with each node's maxmemory and maxmemory-policy allkeys-lru`,
      )
    client.defineCommand('kvPut', { numberOfKeys: 4, lua: PUT_SCRIPT })
    client.defineCommand('kvDelete', { numberOfKeys: 4, lua: DELETE_SCRIPT })
    client.defineCommand('kvCommit', { numberOfKeys: 5, lua: COMMIT_SCRIPT })
    client.defineCommand('kvCommitEntry', { numberOfKeys: 2, lua: COMMIT_ENTRY_SCRIPT })
    this.client = client as (Redis | Cluster) & StoreCommands
    // Until the first connection is made or has failed, commands wait for it (a worker's first lookup
    // must not be a miss because its socket was still opening); a timer alone would race the handshake
    // when the event loop was busy (loading a model), so the wait ends on an outcome, or at the backstop.
    this.firstConnection =
      client.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(done, options.connectWaitMs ?? 30_000)
            function done() {
              clearTimeout(timer)
              for (const event of ['ready', 'error', 'end']) client.off(event, done)
              resolve()
            }
            for (const event of ['ready', 'error', 'end']) client.on(event, done)
          })
  }

  /** A store on a new client with `FAIL_FAST_CLIENT` options (the store closes it in `close`). */
  static connect(url: string, options: RedisStoreOptions & { client?: RedisOptions } = {}): RedisStore {
    const client = new Redis(url, { ...FAIL_FAST_CLIENT, ...options.client })
    // Connection errors are reported per command (as faults); without a listener ioredis logs each retry.
    client.on('error', () => undefined)
    return new RedisStore(client, options)
  }

  /**
   * `prefix` `e:{key}`: the key is a hash tag, so that its temp key (`t:{key}:…`) is in the same Redis
   * Cluster slot (the commit renames one over the other), while different keys spread over the slots.
   */
  private entryKey(key: string): string {
    const [head, tail] = this.entryParts()
    return `${head}${key}${tail}`
  }

  private entryParts(): [string, string] {
    return [`${this.prefix}e:{`, '}']
  }

  private tempKey(key: string): string {
    return `${this.prefix}t:{${key}}:${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
  }

  private indexKeys(key: string): [string, string, string, string] {
    return [this.entryKey(key), `${this.prefix}lru`, `${this.prefix}size`, `${this.prefix}bytes`]
  }

  private fault(operation: StoreFault['operation'], key: string, error: unknown): void {
    this.options.onFault?.({ operation, key, error })
  }

  /** Under a budget, marks `key` as used now in the LRU index (in the background: a read never waits on it). */
  private touch(key: string): void {
    if (this.options.maxBytes === undefined) return
    this.client
      .zadd(`${this.prefix}lru`, 'XX', this.now(), key)
      .catch((error) => this.fault('get', key, error))
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.firstConnection
    try {
      const value = await this.client.getBuffer(this.entryKey(key))
      if (value === null) return undefined
      this.touch(key)
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    } catch (error) {
      this.fault('get', key, error)
      return undefined
    }
  }

  /**
   * The entry as 1 MiB ranges (`GETRANGE`) fetched as they are consumed, so neither Redis's reply nor this
   * process ever holds a large state whole. An entry replaced or removed part-way gives bytes of two
   * writes or a short read: the format's end-section digest and lengths refuse both.
   */
  async getStream(key: string): Promise<ChunkSource | undefined> {
    await this.firstConnection
    const entry = this.entryKey(key)
    try {
      const [length, first] = await Promise.all([
        this.client.strlen(entry),
        this.client.getrangeBuffer(entry, 0, STREAM_CHUNK_BYTES - 1),
      ])
      if (length === 0) return undefined
      this.touch(key)
      return this.ranges(entry, length, first)
    } catch (error) {
      this.fault('get', key, error)
      return undefined
    }
  }

  private async *ranges(entry: string, length: number, first: Buffer): AsyncGenerator<Uint8Array> {
    let piece = first
    for (let at = 0; at < length; ) {
      if (at > 0)
        piece = await this.client.getrangeBuffer(entry, at, Math.min(length, at + STREAM_CHUNK_BYTES) - 1)
      const want = Math.min(STREAM_CHUNK_BYTES, length - at)
      if (piece.length === 0)
        throw new Error(`@kv/store: ${entry} was removed while it was read (at byte ${at} of ${length})`)
      const bytes = new Uint8Array(piece.buffer, piece.byteOffset, Math.min(piece.length, want))
      at += bytes.length
      yield bytes
    }
  }

  async put(key: string, value: Uint8Array | ChunkSource, options?: PutOptions): Promise<boolean> {
    const ttl = ttlOf(options, this.options)
    await this.firstConnection
    try {
      return value instanceof Uint8Array
        ? await this.putWhole(key, value, ttl)
        : await this.putStreamed(key, value, ttl)
    } catch (error) {
      this.fault('put', key, error)
      return false
    }
  }

  /** One SET (with the index script under a budget). False when the value is past the budget. */
  private async putWhole(key: string, value: Uint8Array, ttl: number | undefined): Promise<boolean> {
    const budget = this.options.maxBytes ?? -1
    if (budget >= 0 && value.length > budget) return false
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    const [entry, lru, size, total] = this.indexKeys(key)
    if (budget < 0) {
      // No index without a budget: one key per entry, so a Redis Cluster spreads entries over its slots.
      if (ttl === undefined) await this.client.set(entry, buffer)
      else await this.client.set(entry, buffer, 'PX', ttl)
    } else {
      await this.client.kvPut(
        entry,
        lru,
        size,
        total,
        buffer,
        ttl ?? 0,
        this.now(),
        budget,
        key,
        ...this.entryParts(),
      )
    }
    return true
  }

  /**
   * Chunks appended to a temp key as they come (no whole value in this process), then renamed over the
   * entry in one script: readers see the old value or the new one. A temp key left by a failed write
   * expires by itself after ten minutes. False when the value grew past the budget (nothing stored).
   */
  private async putStreamed(key: string, value: ChunkSource, ttl: number | undefined): Promise<boolean> {
    const budget = this.options.maxBytes ?? -1
    const [entry, lru, size, total] = this.indexKeys(key)
    const temp = this.tempKey(key)
    let length = 0
    try {
      await this.client.set(temp, Buffer.alloc(0), 'PX', TEMP_TTL_MS)
      for await (const chunk of value) {
        length += chunk.length
        if (budget >= 0 && length > budget) {
          await this.client.del(temp)
          return false
        }
        if (chunk.length > 0)
          await this.client.append(temp, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      }
      // Without a budget the commit names no index key, so it runs on a Cluster (one slot per entry).
      if (budget < 0) await this.client.kvCommitEntry(entry, temp, ttl ?? 0)
      else
        await this.client.kvCommit(
          entry,
          lru,
          size,
          total,
          temp,
          0,
          ttl ?? 0,
          this.now(),
          budget,
          key,
          ...this.entryParts(),
        )
      return true
    } catch (error) {
      await this.client.del(temp).catch(() => undefined)
      throw error
    }
  }

  async delete(key: string): Promise<boolean> {
    await this.firstConnection
    try {
      const [entry, lru, size, total] = this.indexKeys(key)
      if (this.options.maxBytes === undefined) return (await this.client.del(entry)) === 1
      return (await this.client.kvDelete(entry, lru, size, total, key)) === 1
    } catch (error) {
      this.fault('delete', key, error)
      return false
    }
  }

  async has(key: string): Promise<boolean> {
    await this.firstConnection
    try {
      return (await this.client.exists(this.entryKey(key))) === 1
    } catch (error) {
      this.fault('has', key, error)
      return false
    }
  }

  /**
   * Waits for the client's first connection (or its failure) and says whether it is ready. Call it before
   * work that blocks the event loop for seconds (loading a model): a handshake that cannot run while the
   * loop is blocked would miss its timeout and start over.
   */
  async ready(): Promise<boolean> {
    await this.firstConnection
    return this.client.status === 'ready'
  }

  /** Bytes the index counts (values of live entries, and of expired ones not yet popped). */
  async bytes(): Promise<number> {
    return Number((await this.client.get(`${this.prefix}bytes`)) ?? 0)
  }

  async close(): Promise<void> {
    this.client.disconnect()
  }
}
