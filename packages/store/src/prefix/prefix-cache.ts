import { BufferChain } from '../format/base-buffers.js'
import { readState } from '../format/decode.js'
import { encodeState } from '../format/encode.js'
import { concatChunks } from '../format/io.js'
import type { KVStore, StoreFault } from '../stores/kv-store.js'
import { entrySource } from '../stores/state-entries.js'
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

/** What `prefill` did: tokens restored from the store, tokens run, chunks and bytes stored, the last logits. */
export interface PrefixPrefill {
  readonly restoredTokens: number
  readonly computedTokens: number
  readonly storedChunks: number
  /** Bytes written to the store by this call (each chunk holds only what the chunks before it do not). */
  readonly storedBytes: number
  readonly logits: Float32Array
}

/** One stored chunk: its own token ids and the cache state after it, written against the chunks before it. */
interface StoredChunk<State> {
  readonly tokens: Int32Array
  readonly cache: State
}

/** A chain read back or being written: the buffers of its chunks so far and the last chunk's nonce. */
interface ChainCursor {
  readonly buffers: BufferChain
  chunks: number
  nonce: string
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
    const chain: ChainCursor = { buffers: new BufferChain(), chunks: 0, nonce: '' }
    let hit: PrefixHit<State> | undefined
    for (let k = 0; k < keys.length && (k + 1) * n <= tokens.length - leave; k++) {
      const key = keys[k] as string
      try {
        // A store's get does not throw by contract; a third-party store that does is a miss all the same.
        const source = await entrySource(this.store, key)
        if (source === undefined) break
        const { header, state, buffers } = await readState<StoredChunk<State>>(source, {
          expect: { identity: this.options.identity, pipeline: this.options.pipeline },
          base: chain.buffers.buffers as ArrayBuffer[],
        })
        checkLink(header.params, k + 1, n, chain)
        if (!sameTokens(state.tokens, tokens, k * n, n)) throw new Error(`${key} holds another prefix`)
        chain.buffers.addRead(buffers)
        chain.chunks = k + 1
        chain.nonce = header.params.nonce as string
        hit = { tokens: (k + 1) * n, state: state.cache }
      } catch (error) {
        this.fault('get', key, error)
        break
      }
    }
    return { hit, chain }
  }

  /** Stores chunk `chain.chunks + 1` (the state after `tokens`); the bytes written, or 0 when not stored. */
  private async saveChunk(tokens: ArrayLike<number>, state: State, chain: ChainCursor): Promise<number> {
    const n = this.chunkTokens
    const k = chain.chunks + 1
    const key = prefixKeys(this.options.identity, this.options.pipeline, tokens, n)[k - 1] as string
    try {
      const nonce = randomNonce()
      const stored: StoredChunk<State> = { tokens: slice(tokens, (k - 1) * n, k * n), cache: state }
      const params = {
        chunk: k,
        chunkTokens: n,
        baseBuffers: chain.buffers.length,
        parent: chain.nonce,
        nonce,
      }
      const bytes = await concatChunks(
        encodeState(
          stored,
          { identity: this.options.identity, pipeline: this.options.pipeline, params },
          { base: chain.buffers },
        ),
      )
      const ttl = this.options.ttlMs === undefined ? {} : { ttlMs: this.options.ttlMs }
      if (!(await this.store.put(key, bytes, ttl))) return 0
      chain.chunks = k
      chain.nonce = nonce
      return bytes.length
    } catch (error) {
      this.fault('put', key, error)
      return 0
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
    const { hit, chain } = await this.readChain(tokens, 1)
    let at = 0
    if (hit !== undefined) {
      cache.loadState(hit.state)
      at = hit.tokens
    }
    const restoredTokens = at
    let storedChunks = 0
    let storedBytes = 0
    let saving = true
    let logits: Float32Array | undefined
    const n = this.chunkTokens
    while (at < tokens.length) {
      // The first chunk runs in one batch; after it, tokens run one by one (what prefill does on a non-empty cache).
      const end = Math.min(tokens.length, (Math.floor(at / n) + 1) * n)
      logits = await runner.prefill(slice(tokens, at, end), cache, { lastOnly: true })
      at = end
      if (saving && at % n === 0) {
        const bytes = await this.saveChunk(slice(tokens, 0, at), cache.saveState(), chain)
        // A chunk not stored ends the chain: later chunks would refer to buffers no reader can get.
        saving = bytes > 0
        storedBytes += bytes
        if (saving) storedChunks++
      }
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

/** Checks that a chunk read is chunk `k` of the chain read so far, written against exactly its buffers. */
function checkLink(
  params: Readonly<Record<string, unknown>>,
  k: number,
  n: number,
  chain: ChainCursor,
): void {
  if (params.chunk !== k || params.chunkTokens !== n)
    throw new Error(
      `holds chunk ${String(params.chunk)} of ${String(params.chunkTokens)} tokens, expected chunk ${k} of ${n}`,
    )
  if (params.parent !== chain.nonce || params.baseBuffers !== chain.buffers.length)
    throw new Error(
      `chunk ${k} was written after another chunk ${k - 1} (rewritten since): the chain ends here`,
    )
  if (typeof params.nonce !== 'string' || params.nonce.length === 0)
    throw new Error(`chunk ${k} has no nonce`)
}

function randomNonce(): string {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function slice(tokens: ArrayLike<number>, from: number, to: number): Int32Array {
  const out = new Int32Array(to - from)
  for (let i = from; i < to; i++) out[i - from] = tokens[i] as number
  return out
}

function sameTokens(stored: unknown, tokens: ArrayLike<number>, from: number, count: number): boolean {
  if (!(stored instanceof Int32Array) || stored.length !== count) return false
  for (let i = 0; i < count; i++) if (stored[i] !== tokens[from + i]) return false
  return true
}
