import { readState } from '../format/decode.js'
import { encodeState } from '../format/encode.js'
import { chunksOfBytes, concatChunks } from '../format/io.js'
import type { KVStore, StoreFault } from '../stores/kv-store.js'
import { prefixKeys } from './chain.js'

/** A cache whose state can be saved and loaded (`KVCache` of `@kv/cache`). */
export interface StatefulCache<State = unknown> {
  saveState(): State
  loadState(state: State): void
}

/** Runs prompt tokens into a cache and returns the last position's logits (`Model.prefill` of `@kv/runtime`). */
export interface PromptRunner<Cache> {
  prefill(tokens: ArrayLike<number>, cache: Cache, options: { lastOnly: true }): Promise<Float32Array>
}

/** Options of `PrefixCache`. */
export interface PrefixCacheOptions {
  /** The model identity (`modelIdentity(config, weights)`): states of another model never match. */
  readonly identity: Uint8Array | string
  /** The pipeline spec: states of another pipeline never match. */
  readonly pipeline: string
  /** Tokens per chunk: states are stored at every multiple of it (default 256). */
  readonly chunkTokens?: number
  /** TTL of stored states, in milliseconds. */
  readonly ttlMs?: number
  /** Told of every stored state that could not be used (corrupt, another prefix) and of failed saves. */
  readonly onFault?: (fault: StoreFault) => void
}

/** A stored prefix found by `lookup`: how many tokens it covers and the state to load. */
export interface PrefixHit<State> {
  readonly tokens: number
  readonly state: State
}

/** What `prefill` did: tokens restored from the store, tokens run, states stored, the last logits. */
export interface PrefixPrefill {
  readonly restoredTokens: number
  readonly computedTokens: number
  readonly storedChunks: number
  readonly logits: Float32Array
}

interface StoredPrefix<State> {
  readonly tokens: Int32Array
  readonly cache: State
}

/**
 * Shares prompt prefixes through a store. The protocol makes warm and cold runs identical: the first chunk
 * of a prompt is prefilled in one batch, every later token is run into the cache one by one (as the next
 * turn of a conversation), and the cache state is stored at each chunk boundary. A warm run loads the
 * longest stored boundary and continues from there: the same operations on the same state, so the same
 * logits, bit for bit, for every pipeline. A stored state that cannot be read (missing, evicted, corrupt,
 * another model, pipeline or prefix) is skipped: the run prefills what it could not restore.
 *
 * @example
 * const prefixes = new PrefixCache(store, { identity, pipeline: 'kivi:bits=4', chunkTokens: 256 })
 * const cache = model.createCache(buildPipeline(model, 'kivi:bits=4'))
 * const { logits, restoredTokens } = await prefixes.prefill(model, cache, promptTokens)
 */
export class PrefixCache<State = unknown> {
  readonly chunkTokens: number

  constructor(
    readonly store: KVStore,
    private readonly options: PrefixCacheOptions,
  ) {
    this.chunkTokens = options.chunkTokens ?? 256
    prefixKeys(options.identity, options.pipeline, [], this.chunkTokens)
  }

  private fault(operation: StoreFault['operation'], key: string, error: unknown): void {
    this.options.onFault?.({ operation, key, error })
  }

  /**
   * The longest stored prefix of `tokens` that leaves at least `leave` tokens to run (default 1: the last
   * token must run to give logits), or undefined.
   */
  async lookup(tokens: ArrayLike<number>, leave = 1): Promise<PrefixHit<State> | undefined> {
    const keys = prefixKeys(this.options.identity, this.options.pipeline, tokens, this.chunkTokens)
    for (let k = keys.length - 1; k >= 0; k--) {
      const count = (k + 1) * this.chunkTokens
      if (count > tokens.length - leave) continue
      const key = keys[k] as string
      try {
        // A store's get does not throw by contract; a third-party store that does is a miss all the same.
        const bytes = await this.store.get(key)
        if (bytes === undefined) continue
        const { state } = await readState<StoredPrefix<State>>(chunksOfBytes(bytes), {
          expect: { identity: this.options.identity, pipeline: this.options.pipeline },
        })
        if (!samePrefix(state.tokens, tokens, count))
          throw new Error(`@kv/store: ${key} holds another prefix`)
        return { tokens: count, state: state.cache }
      } catch (error) {
        this.fault('get', key, error)
      }
    }
    return undefined
  }

  /** Stores the state of a cache that holds exactly `tokens` (a multiple of `chunkTokens`); false if not stored. */
  async save(tokens: ArrayLike<number>, state: State): Promise<boolean> {
    if (tokens.length === 0 || tokens.length % this.chunkTokens !== 0)
      throw new RangeError(
        `@kv/store: a prefix of ${tokens.length} tokens is not a multiple of ${this.chunkTokens}`,
      )
    const keys = prefixKeys(this.options.identity, this.options.pipeline, tokens, this.chunkTokens)
    const key = keys[keys.length - 1] as string
    try {
      const stored: StoredPrefix<State> = { tokens: Int32Array.from(tokens), cache: state }
      const bytes = await concatChunks(
        encodeState(stored, {
          identity: this.options.identity,
          pipeline: this.options.pipeline,
          params: { tokens: tokens.length, chunkTokens: this.chunkTokens },
        }),
      )
      return await this.store.put(
        key,
        bytes,
        this.options.ttlMs === undefined ? {} : { ttlMs: this.options.ttlMs },
      )
    } catch (error) {
      this.fault('put', key, error)
      return false
    }
  }

  /**
   * Prefills `tokens` into an empty `cache` through the store: restores the longest stored prefix, runs the
   * rest, stores the state at every new chunk boundary, and returns the last position's logits.
   */
  async prefill<Cache extends StatefulCache<State>>(
    runner: PromptRunner<Cache>,
    cache: Cache,
    tokens: ArrayLike<number>,
  ): Promise<PrefixPrefill> {
    if (tokens.length === 0) throw new RangeError('@kv/store: the prompt is empty')
    const hit = await this.lookup(tokens)
    let at = 0
    if (hit !== undefined) {
      cache.loadState(hit.state)
      at = hit.tokens
    }
    const restoredTokens = at
    let storedChunks = 0
    let logits: Float32Array | undefined
    const n = this.chunkTokens
    while (at < tokens.length) {
      // The first chunk runs in one batch; after it, tokens run one by one (what prefill does on a non-empty cache).
      const end = Math.min(tokens.length, (Math.floor(at / n) + 1) * n)
      logits = await runner.prefill(slice(tokens, at, end), cache, { lastOnly: true })
      at = end
      if (at % n === 0 && at > restoredTokens)
        if (await this.save(slice(tokens, 0, at), cache.saveState())) storedChunks++
    }
    return {
      restoredTokens,
      computedTokens: tokens.length - restoredTokens,
      storedChunks,
      logits: logits as Float32Array,
    }
  }
}

function slice(tokens: ArrayLike<number>, from: number, to: number): Int32Array {
  const out = new Int32Array(to - from)
  for (let i = from; i < to; i++) out[i - from] = tokens[i] as number
  return out
}

function samePrefix(stored: unknown, tokens: ArrayLike<number>, count: number): boolean {
  if (!(stored instanceof Int32Array) || stored.length !== count) return false
  for (let i = 0; i < count; i++) if (stored[i] !== tokens[i]) return false
  return true
}
