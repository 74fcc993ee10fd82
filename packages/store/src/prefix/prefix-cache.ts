import { BufferChain } from '../format/base-buffers.js'
import { readState } from '../format/decode.js'
import { encodeState } from '../format/encode.js'
import { concatChunks } from '../format/io.js'
import type { KVStore, StoreFault } from '../stores/kv-store.js'
import { entrySource } from '../stores/state-entries.js'
import { prefixKeys } from './chain.js'
import {
  type ChainCursor,
  checkBoundary,
  checkLink,
  encodedBlocks,
  randomNonce,
  type StoredBoundary,
  type StoredChunk,
  sameTokens,
  slice,
  withoutStored,
} from './chunk-entries.js'

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
  /**
   * Which boundaries can be restored. `every` (default): every chunk boundary, each chunk storing its
   * boundary's whole state (the float32 window, statistics: a compressed chain can outgrow float16).
   * `last`: the chunks store only what later states refer to (`sharedPart`: the encoded blocks), and the
   * whole state is stored only at the last boundary of each prompt run through `prefill` — for documents
   * shared whole, a chain about as small as its last state.
   */
  readonly boundaries?: 'every' | 'last'
  /** What later states refer to, stored in the chunks under `boundaries: 'last'` (default `encodedBlocks`). */
  readonly sharedPart?: (state: unknown) => unknown
}

/** A stored prefix found by `lookup`: how many tokens it covers and the state to load. */
export interface PrefixHit<State> {
  readonly tokens: number
  readonly state: State
}

/** What `prefill` did: tokens restored from the store, tokens run, chunks and bytes stored, the last logits. */
export interface PrefixPrefill {
  readonly restoredTokens: number
  readonly computedTokens: number
  readonly storedChunks: number
  /** Bytes written to the store by this call (each chunk holds only what the chunks before it do not). */
  readonly storedBytes: number
  readonly logits: Float32Array
}

/**
 * Shares prompt prefixes through a store. The protocol makes warm and cold runs identical: the first chunk
 * of a prompt is prefilled in one batch, every later token is run into the cache one by one (as the next
 * turn of a conversation), and the cache state is stored at each chunk boundary. A warm run loads the
 * longest stored boundary and continues from there: the same operations on the same state, so the same
 * logits, bit for bit, for every pipeline.
 *
 * Chunk `k` is stored as a delta: the encoded blocks that the state after chunk `k − 1` already had are
 * references into the chunks before it, so a document of `k` chunks stores its blocks once, not `k` times.
 * A lookup therefore reads the chain from its first chunk; each entry names the one before it (a nonce),
 * so a chunk rewritten by another worker never splices with a chain it was not written against. A chunk
 * that cannot be read (missing, evicted, corrupt, another model, pipeline or prefix) ends the chain there:
 * the run prefills what it could not restore, and stores the chunks again.
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
    return (await this.readChain(tokens, leave)).hit
  }

  /** Reads the chain of `tokens` from its first chunk until a chunk is missing or unusable. */
  private async readChain(
    tokens: ArrayLike<number>,
    leave: number,
  ): Promise<{ hit: PrefixHit<State> | undefined; chain: ChainCursor }> {
    const n = this.chunkTokens
    const keys = prefixKeys(this.options.identity, this.options.pipeline, tokens, n)
    const chain: ChainCursor = { keys, buffers: new BufferChain(), counts: [], nonces: [] }
    let hit: PrefixHit<State> | undefined
    for (let k = 1; k <= keys.length; k++) {
      const key = keys[k - 1] as string
      try {
        // A store's get does not throw by contract; a third-party store that does is a miss all the same.
        const source = await entrySource(this.store, key)
        if (source === undefined) break
        const { header, state, buffers } = await readState<StoredChunk<State>>(source, {
          expect: { identity: this.options.identity, pipeline: this.options.pipeline },
          base: chain.buffers.buffers as ArrayBuffer[],
        })
        checkLink(header.params, k, n, chain)
        if (!sameTokens(state.tokens, tokens, (k - 1) * n, n)) throw new Error(`${key} holds another prefix`)
        if (header.params.restorable === true && state.cache === undefined)
          throw new Error(`${key} says it is restorable but holds no state`)
        chain.buffers.addRead(buffers)
        chain.counts.push(chain.buffers.length)
        chain.nonces.push(header.params.nonce as string)
        if (header.params.restorable === true && k * n <= tokens.length - leave)
          hit = { tokens: k * n, state: state.cache as State }
      } catch (error) {
        this.fault('get', key, error)
        break
      }
    }
    // Chunks that store only shared parts: the deepest boundary state stored beside them.
    for (
      let k = Math.min(chain.counts.length, Math.floor((tokens.length - leave) / n));
      k * n > (hit?.tokens ?? 0);
      k--
    ) {
      const state = await this.readBoundary(`${keys[k - 1]}:state`, k, chain)
      if (state !== undefined) {
        hit = { tokens: k * n, state }
        break
      }
    }
    return { hit, chain }
  }

  private async readBoundary(key: string, k: number, chain: ChainCursor): Promise<State | undefined> {
    try {
      const source = await entrySource(this.store, key)
      if (source === undefined) return undefined
      const { header, state } = await readState<StoredBoundary<State>>(source, {
        expect: { identity: this.options.identity, pipeline: this.options.pipeline },
        base: chain.buffers.buffers.slice(0, chain.counts[k - 1]) as ArrayBuffer[],
      })
      checkBoundary(header.params, k, chain)
      return state.cache
    } catch (error) {
      this.fault('get', key, error)
      return undefined
    }
  }

  private header(params: Record<string, string | number | boolean>) {
    return { identity: this.options.identity, pipeline: this.options.pipeline, params }
  }

  /** Encodes and puts one entry; the bytes written, or 0 when the store did not keep it. */
  private async put(key: string, chunks: Iterable<Uint8Array>): Promise<number> {
    try {
      const bytes = await concatChunks(chunks)
      const ttl = this.options.ttlMs === undefined ? {} : { ttlMs: this.options.ttlMs }
      return (await this.store.put(key, bytes, ttl)) ? bytes.length : 0
    } catch (error) {
      this.fault('put', key, error)
      return 0
    }
  }

  /** Stores chunk `k` = `chain.counts.length + 1` of the prompt `tokens`; the bytes written, or 0. */
  private async saveChunk(tokens: ArrayLike<number>, state: State, chain: ChainCursor): Promise<number> {
    const n = this.chunkTokens
    const k = chain.counts.length + 1
    const key = chain.keys[k - 1] as string
    const nonce = randomNonce()
    const restorable = this.options.boundaries !== 'last'
    const own = slice(tokens, (k - 1) * n, k * n)
    const stored: StoredChunk<State> = restorable
      ? { tokens: own, cache: state }
      : {
          tokens: own,
          shared: withoutStored((this.options.sharedPart ?? encodedBlocks)(state), chain.buffers),
        }
    const before = chain.buffers.length
    const params = {
      chunk: k,
      chunkTokens: n,
      baseBuffers: before,
      parent: chain.nonces[k - 2] ?? '',
      nonce,
      restorable,
    }
    const bytes = await this.put(key, encodeState(stored, this.header(params), { base: chain.buffers }))
    if (bytes > 0) {
      chain.counts.push(chain.buffers.length)
      chain.nonces.push(nonce)
    }
    return bytes
  }

  /** Stores the whole state at chunk `k` beside the chain (`boundaries: 'last'`); the bytes written, or 0. */
  private async saveBoundary(k: number, state: State, chain: ChainCursor): Promise<number> {
    const key = `${chain.keys[k - 1]}:state`
    const count = chain.counts[k - 1] as number
    const params = { boundary: k, baseBuffers: count, parent: chain.nonces[k - 1] as string }
    const stored: StoredBoundary<State> = { cache: state }
    return this.put(key, encodeState(stored, this.header(params), { base: chain.buffers.upTo(count) }))
  }

  /**
   * Prefills `tokens` into an empty `cache` through the store: restores the longest stored prefix, runs the
   * rest, stores the chunks not stored yet (and, under `boundaries: 'last'`, the state at the prompt's last
   * boundary), and returns the last position's logits.
   */
  async prefill<Cache extends StatefulCache<State>>(
    runner: PromptRunner<Cache>,
    cache: Cache,
    tokens: ArrayLike<number>,
  ): Promise<PrefixPrefill> {
    if (tokens.length === 0) throw new RangeError('@kv/store: the prompt is empty')
    const { hit, chain } = await this.readChain(tokens, 1)
    let at = 0
    if (hit !== undefined) {
      try {
        cache.loadState(hit.state)
        at = hit.tokens
      } catch (error) {
        // A state the cache refuses (another shape of cache under the same pipeline name) leaves the cache
        // as it was, empty: the prompt runs cold.
        this.fault('get', `${hit.tokens} tokens`, error)
      }
    }
    const restoredTokens = at
    let storedChunks = 0
    let storedBytes = 0
    let saving = true
    let logits: Float32Array | undefined
    const n = this.chunkTokens
    const last = Math.floor(tokens.length / n)
    while (at < tokens.length) {
      // The first chunk runs in one batch; after it, tokens run one by one (what prefill does on a non-empty cache).
      const end = Math.min(tokens.length, (Math.floor(at / n) + 1) * n)
      logits = await runner.prefill(slice(tokens, at, end), cache, { lastOnly: true })
      at = end
      const k = at / n
      if (!saving || !Number.isInteger(k)) continue
      const storeChunk = k > chain.counts.length
      const storeBoundary = this.options.boundaries === 'last' && k === last
      if (!storeChunk && !storeBoundary) continue
      const state = cache.saveState()
      if (storeChunk) {
        const bytes = await this.saveChunk(tokens, state, chain)
        // A chunk not stored ends the chain: later chunks would refer to buffers no reader can get.
        saving = bytes > 0
        storedBytes += bytes
        if (saving) storedChunks++
      }
      if (saving && storeBoundary) storedBytes += await this.saveBoundary(k, state, chain)
    }
    return {
      restoredTokens,
      computedTokens: tokens.length - restoredTokens,
      storedChunks,
      storedBytes,
      logits: logits as Float32Array,
    }
  }
}
