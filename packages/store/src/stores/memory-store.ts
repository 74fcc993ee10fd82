import type { ChunkSource } from '../format/chunk-reader.js'
import { chunksOfBytes } from '../format/io.js'
import {
  type KVStore,
  type PutOptions,
  STREAM_CHUNK_BYTES,
  type StoreOptions,
  ttlOf,
  valueBytes,
} from './kv-store.js'

interface Entry {
  readonly bytes: Uint8Array
  readonly expiresAt: number
}

/** Options of `MemoryStore`: those of every store, and a clock for tests. */
export interface MemoryStoreOptions extends StoreOptions {
  /** Milliseconds now (default `Date.now`). */
  readonly now?: () => number
}

/**
 * A store in this process's memory: least recently used entries are dropped first to stay within
 * `maxBytes` (counting value bytes), expired entries are misses. Values are copied in; do not mutate
 * what `get` returns.
 *
 * @example
 * const store = new MemoryStore({ maxBytes: 64 << 20, defaultTtlMs: 600_000 })
 */
export class MemoryStore implements KVStore {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly maxBytes: number
  /** Bytes of the values held now. */
  bytes = 0

  constructor(private readonly options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    if (!(this.maxBytes >= 0))
      throw new RangeError(`@kv/store: maxBytes must be ≥ 0, got ${options.maxBytes}`)
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry)
      return undefined
    }
    return entry
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key)
    this.bytes -= entry.bytes.length
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.live(key)
    if (entry === undefined) return undefined
    this.entries.delete(key) // re-insert: Map order is the LRU order
    this.entries.set(key, entry)
    return entry.bytes
  }

  async getStream(key: string): Promise<ChunkSource | undefined> {
    const bytes = await this.get(key)
    return bytes === undefined ? undefined : chunksOfBytes(bytes, STREAM_CHUNK_BYTES)
  }

  async put(key: string, value: Uint8Array | ChunkSource, options?: PutOptions): Promise<boolean> {
    const ttl = ttlOf(options, this.options)
    const bytes = Uint8Array.prototype.slice.call(await valueBytes(value)) // a copy, even of a Buffer
    const old = this.entries.get(key)
    if (old !== undefined) this.remove(key, old)
    if (bytes.length > this.maxBytes) return false
    for (const [oldest, entry] of this.entries) {
      if (this.bytes + bytes.length <= this.maxBytes) break
      this.remove(oldest, entry)
    }
    this.entries.set(key, {
      bytes,
      expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : this.now() + ttl,
    })
    this.bytes += bytes.length
    return true
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.remove(key, entry)
    return true
  }

  async has(key: string): Promise<boolean> {
    return this.live(key) !== undefined
  }

  /** Keys of live entries, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.live(key) !== undefined)
  }

  async close(): Promise<void> {
    this.entries.clear()
    this.bytes = 0
  }
}
