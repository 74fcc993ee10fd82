import { applyRope, ropeInvFreq, Tensor } from '@kv/tensor'
import type {
  CachePhase,
  ExitSchedule,
  KeyRetriever,
  KVCodec,
  KVPolicy,
  LayerMerger,
} from '@kv/tensor/contracts'
import type { AttentionAccelerator } from './accelerator.js'
import { applyPlan } from './apply-plan.js'
import { AttentionScratch, attendHead } from './attention.js'
import { validateComposition } from './compose.js'
import { HeadStore } from './head-store.js'
import { LayerPairs } from './layer-pairs.js'
import { RetrievalState } from './retrieval-state.js'
import { slotView } from './slot-view.js'
import { type CacheStats, collectStats } from './stats.js'

export type { CacheStats }

/** The plug-ins a cache composes; every one is optional (none: the plain full cache). */
export interface CacheOptions {
  readonly codec?: KVCodec
  readonly policy?: KVPolicy
  readonly merge?: LayerMerger
  readonly retriever?: KeyRetriever
  readonly exit?: ExitSchedule
  /** Attention on another device (WebGPU), with the CPU as fallback. */
  readonly accelerator?: AttentionAccelerator
}

/** The model shape a cache is laid out for. */
export interface CacheShape {
  readonly numLayers: number
  readonly numKVHeads: number
  readonly numHeads: number
  readonly headDim: number
  readonly maxPositions: number
  readonly ropeTheta: number
  /** Whether the backend reports attention weights (policies that read attention need them). */
  readonly backendAttention: boolean
  readonly backend: string
}

/**
 * The KV cache of one sequence: per layer and KV head, slots in encoded blocks plus a full-precision
 * recent window, composed from a codec, a policy, a layer merger, a key retriever and an exit schedule.
 * Evicted tokens free their memory; heads may hold different numbers of tokens.
 */
export class KVCache {
  readonly shape: CacheShape
  readonly options: CacheOptions
  readonly stores: HeadStore[][]
  /** Tokens appended so far (the next token's original position). */
  length = 0
  private readonly scratch = new AttentionScratch()
  private readonly weights: Float32Array[] = []
  private readonly pairs: LayerPairs | undefined
  private readonly retrieval: RetrievalState | undefined
  private readonly invFreq: Float32Array

  constructor(shape: CacheShape, options: CacheOptions) {
    validateComposition(shape, options)
    this.shape = shape
    this.options = options
    this.invFreq = ropeInvFreq(shape.headDim, shape.ropeTheta)
    const tracks = options.policy?.needsAttention === true
    this.pairs = options.merge ? new LayerPairs(options.merge, shape, options.codec) : undefined
    this.stores = []
    for (let layer = 0; layer < shape.numLayers; layer++) {
      const codec = this.pairs?.holds(layer) ? this.pairs.codec : options.codec
      const heads: HeadStore[] = []
      for (let head = 0; head < shape.numKVHeads; head++) {
        heads.push(new HeadStore(layer, head, shape.headDim, codec, tracks))
      }
      this.stores.push(heads)
    }
    this.pairs?.attach(this.stores)
    this.accelerated = options.accelerator
    this.retrieval = options.retriever ? new RetrievalState(options.retriever, this.stores) : undefined
  }

  /** Describes the composition, e.g. `streamingLLM + gear`. */
  get description(): string {
    const { codec, policy, merge, retriever, exit } = this.options
    const parts = [policy?.name, codec?.name, merge?.name, retriever?.name, exit?.name].filter(Boolean)
    return parts.length === 0 ? 'full' : parts.join(' + ')
  }

  get positionMode(): 'original' | 'compact' {
    return this.options.policy?.positionMode ?? 'original'
  }

  /**
   * Stores a prompt's keys (rotated at their original positions) and values of one layer:
   * `keys`/`values` are `[tokens, numKVHeads·headDim]`; `columnSums` (per KV head, `[tokens]`) is the
   * attention each token received during the prompt, summed over queries and the group's query heads.
   */
  storePrompt(
    layer: number,
    keys: Float32Array,
    values: Float32Array,
    positions: Int32Array,
    queries: Float32Array,
    columnSums: Float32Array[] | undefined,
  ): void {
    const { numKVHeads, headDim, numHeads } = this.shape
    const width = numKVHeads * headDim
    const tokens = positions.length
    this.accelerated?.appendPrompt(layer, keys, values, positions)
    for (let head = 0; head < numKVHeads; head++) {
      const store = this.stores[layer]![head]!
      for (let t = 0; t < tokens; t++) {
        store.append(keys, t * width + head * headDim, values, t * width + head * headDim, positions[t]!)
      }
      if (columnSums && store.stats.tracksAttention) {
        const sums = columnSums[head]!
        const first = store.count - tokens
        for (let t = 0; t < tokens; t++) {
          store.stats.attention[first + t] = sums[t]!
          store.stats.observed[first + t] = tokens - t
        }
        this.options.policy?.observe?.(layer, head, sums, tokens)
      }
      const group = numHeads / numKVHeads
      this.options.codec?.calibrate?.(
        layer,
        head,
        headQueries(queries, tokens, numHeads, headDim, head, group),
        headKeys(keys, tokens, width, head, headDim),
      )
      this.retrieval?.observeQueries(layer, head, queries, tokens, numHeads, headDim, group)
    }
  }

  /** Appends one decoded token's keys (rotated) and values of a layer: `[numKVHeads·headDim]` each. */
  append(layer: number, keys: Float32Array, values: Float32Array, position: number): void {
    this.accelerated?.append(layer, keys, values, position)
    const headDim = this.shape.headDim
    for (let head = 0; head < this.shape.numKVHeads; head++) {
      this.stores[layer]![head]!.append(keys, head * headDim, values, head * headDim, position)
    }
  }

  /**
   * Decode-step attention of a layer: `queries` `[numHeads·headDim]` before RoPE; writes `out`
   * `[numHeads·headDim]`. Attention statistics are updated and shown to the policy.
   */
  attend(layer: number, queries: Float32Array, position: number, out: Float32Array): void {
    if (this.accelerated && this.attendOnDevice(layer, queries, position, out)) return
    const { numKVHeads, numHeads, headDim } = this.shape
    const group = numHeads / numKVHeads
    const policy = this.options.policy
    for (let head = 0; head < numKVHeads; head++) {
      const store = this.stores[layer]![head]!
      const needWeights = store.stats.tracksAttention || policy?.observe !== undefined
      let weights = this.weights[head]
      if (needWeights && (!weights || weights.length < store.count)) {
        weights = this.weights[head] = new Float32Array(Math.max(store.count * 2, 64))
      }
      const q = queries.subarray(head * group * headDim, (head + 1) * group * headDim)
      const o = out.subarray(head * group * headDim, (head + 1) * group * headDim)
      const request = {
        store,
        codec: store.codec,
        queries: q,
        group,
        invFreq: this.invFreq,
        position,
        positionMode: this.positionMode,
        massBias: policy?.massBias === true,
        out: o,
        weightsSum: needWeights ? weights : undefined,
        scratch: this.scratch,
      }
      if (this.retrieval?.active(layer, head)) this.retrieval.attend(request)
      else attendHead(request)
      if (needWeights) {
        if (store.stats.tracksAttention) store.stats.observe(weights!)
        policy?.observe?.(layer, head, weights!.subarray(0, store.count), store.count)
      }
    }
  }

  /** The accelerator while it serves; cleared for good when its device is lost. */
  private accelerated: AttentionAccelerator | undefined
  private rotatedQueries: Float32Array | undefined
  /** Why the accelerator stopped serving, if it did. */
  acceleratorLost: string | undefined

  private attendOnDevice(layer: number, queries: Float32Array, position: number, out: Float32Array): boolean {
    const { numHeads, headDim } = this.shape
    const rotated = (this.rotatedQueries ??= new Float32Array(queries.length))
    rotated.set(queries)
    for (let head = 0; head < numHeads; head++)
      applyRope(rotated, head * headDim, headDim, position, this.invFreq)
    try {
      if (this.accelerated!.attend(layer, rotated, position, out)) return true
      this.acceleratorLost = `${this.accelerated!.name} stopped serving`
    } catch (error) {
      this.acceleratorLost = `${this.accelerated!.name}: ${(error as Error).message}`
    }
    this.accelerated = undefined
    return false
  }

  /**
   * Ends a prompt (`prefill`) or a decode step: the policy plans every head, plans are carried out,
   * full blocks are encoded, layer pairs merged and new keys indexed.
   */
  endStep(phase: CachePhase): void {
    const policy = this.options.policy
    const position = this.length - 1
    for (let layer = 0; layer < this.shape.numLayers; layer++) {
      for (let head = 0; head < this.shape.numKVHeads; head++) {
        const store = this.stores[layer]![head]!
        if (policy && store.count > 0) {
          const plan = policy.plan(slotView(store, this.shape, position, phase))
          if (plan) {
            const removed = applyPlan(store, plan, policy, this.options.codec)
            if (removed.length > 0) this.retrieval?.forget(layer, head, removed)
          }
        }
        this.retrieval?.index(layer, head, phase)
        if (!this.pairs?.holds(layer)) store.flush(phase)
      }
    }
    this.pairs?.flush(phase)
  }

  /** Tokens held per layer and head, logical and physical bytes, and the ratio to a full float16 cache. */
  stats(): CacheStats {
    return collectStats(this.stores, this.length, this.retrieval)
  }
}

/** Queries of the query heads sharing KV head `kvHead`, as `[tokens·group, headDim]`. */
function headQueries(
  queries: Float32Array,
  tokens: number,
  numHeads: number,
  headDim: number,
  kvHead: number,
  group: number,
) {
  return gatherRows(queries, tokens, numHeads * headDim, kvHead * group * headDim, group * headDim, headDim)
}

/** Keys of one KV head as `[tokens, headDim]`. */
function headKeys(keys: Float32Array, tokens: number, width: number, head: number, headDim: number) {
  return gatherRows(keys, tokens, width, head * headDim, headDim, headDim)
}

/** Columns `[offset, offset + span)` of the rows of `[tokens, width]`, as `[tokens·span/headDim, headDim]`. */
function gatherRows(
  rows: Float32Array,
  tokens: number,
  width: number,
  offset: number,
  span: number,
  headDim: number,
) {
  const out = new Float32Array(tokens * span)
  for (let t = 0; t < tokens; t++)
    out.set(rows.subarray(t * width + offset, t * width + offset + span), t * span)
  return Tensor.fromF32(out, [(tokens * span) / headDim, headDim])
}
