import { applyRope, ropeInvFreq, Tensor } from '@kv/tensor'
import type { CachePhase, ExitSchedule, KVCodec, KVPolicy } from '@kv/tensor/contracts'
import type { AttentionAccelerator } from './accelerator.js'
import { applyPlan } from './apply-plan.js'
import { type AttendRequest, AttentionScratch, attendHead } from './attention.js'
import { CACHE_STATE_VERSION, type CacheState, type PluginStates, type StepMark } from './cache-state.js'
import { validateComposition } from './compose.js'
import type { CacheExtension, CacheHost, ExtensionState } from './extension.js'
import { fullPrecision } from './full-precision.js'
import { type HeadSlots, HeadStore } from './head-store.js'
import { slotView } from './slot-view.js'
import { type CacheStats, collectStats } from './stats.js'

export type { CacheStats }

/** The plug-ins a cache composes; every one is optional (none: the full cache in float32). */
export interface CacheOptions {
  /** How blocks of keys and values are stored; default `fullPrecision()`. */
  readonly codec?: KVCodec
  /** Which tokens each head keeps, merges, demotes or drops. */
  readonly policy?: KVPolicy
  /** Which layers run for a token (early exit, layer skipping); read by the model runtime. */
  readonly exit?: ExitSchedule
  /** Methods that plug into the cache's hooks (layer merging, key retrieval, a third party's). */
  readonly extensions?: readonly CacheExtension[]
  /** Attention on another device (WebGPU), with the CPU as fallback; see `attendAsync`. */
  readonly accelerator?: AttentionAccelerator
}

/** The model shape a cache is laid out for (a Llama config fits). */
export interface CacheShape {
  readonly numLayers: number
  readonly numKVHeads: number
  /** Query heads; a multiple of `numKVHeads` (grouped-query attention). */
  readonly numHeads: number
  readonly headDim: number
  /** RoPE base: the cache rotates queries (keys arrive rotated). */
  readonly ropeTheta: number
  /** The trained context (informative). */
  readonly maxPositions?: number
  /** Whether the model runtime reports prompt attention (policies that read attention need it); default true. */
  readonly backendAttention?: boolean
  /** The model runtime's name, for messages. */
  readonly backend?: string
}

/** What `append` may be told beside the rows. */
export interface AppendOptions {
  /** Original position of each row (default: the next positions of the sequence). */
  readonly positions?: Int32Array
  /** The rows' rotated queries `[tokens, numHeads·headDim]` (a prompt: codec calibration, extensions). */
  readonly queries?: Float32Array
  /** Attention each row received during the prompt, per KV head `[tokens]`, summed over queries and the group. */
  readonly attention?: readonly Float32Array[]
}

/** What `endStep` may be told; both are inferred when absent. */
export interface EndStepOptions {
  /** `prefill` when more than one token was appended in the step (or the cache was empty), else `decode`. */
  readonly phase?: CachePhase
  /** Tokens the step added to the sequence (default: up to the highest position appended). */
  readonly tokens?: number
}

/**
 * The KV cache of one sequence: per layer and KV head, slots in encoded blocks plus a full-precision
 * recent window, composed from a codec, a policy, an exit schedule and extensions. Evicted tokens free
 * their memory; heads may hold different numbers of tokens.
 *
 * A model runtime drives it step by step: `append` each layer's new rows (a prompt or one token), `attend`
 * (or `attendAsync`) each layer's decode queries, then `endStep`.
 *
 * @example
 * const cache = new KVCache({ numLayers: 2, numKVHeads: 1, numHeads: 2, headDim: 4, ropeTheta: 10000 }, { codec: uniform({ bits: 4 }) })
 * cache.append(0, keys, values) // rotated keys, [tokens, numKVHeads·headDim]
 * const out = cache.attend(0, queries) // [numHeads·headDim], queries before RoPE
 * cache.endStep()
 */
export class KVCache {
  readonly #shape: CacheShape
  readonly #options: CacheOptions
  readonly #codec: KVCodec
  readonly #stores: HeadStore[][]
  readonly #extensions: ExtensionState[]
  readonly #scratch = new AttentionScratch()
  readonly #weights: Float32Array[] = []
  readonly #invFreq: Float32Array
  /** Rows appended to each layer in the current step, and the highest position appended in it. */
  readonly #pending: number[]
  readonly #lastPosition: number[]
  #length = 0
  #accelerator: AttentionAccelerator | undefined
  #acceleratorLost: string | undefined
  #rotated: Float32Array | undefined
  /** The policy's position hook, bound once. */
  readonly #attentionPositions: AttendRequest['attentionPositions']
  /** The state before the open step (from its first `append`, `attend` or `endStep` to `endStep`). */
  #step: StepMark | undefined

  constructor(shape: CacheShape, options: CacheOptions = {}) {
    validateComposition(shape, options)
    this.#shape = shape
    this.#options = options
    this.#codec = options.codec ?? fullPrecision()
    this.#invFreq = ropeInvFreq(shape.headDim, shape.ropeTheta)
    this.#pending = new Array<number>(shape.numLayers).fill(0)
    this.#lastPosition = new Array<number>(shape.numLayers).fill(-1)
    this.#stores = []
    const host: CacheHost = {
      shape,
      codec: this.#codec,
      policy: options.policy,
      head: (layer, head) => this.#store(layer, head),
    }
    this.#extensions = (options.extensions ?? []).map((extension) => extension.attach(host))
    const tracks = options.policy?.needsAttention === true
    for (let layer = 0; layer < shape.numLayers; layer++) {
      let codec = this.#codec
      for (const extension of this.#extensions) codec = extension.codecFor?.(layer, codec) ?? codec
      const heads: HeadStore[] = []
      for (let head = 0; head < shape.numKVHeads; head++) {
        heads.push(new HeadStore(layer, head, shape.headDim, codec, tracks))
      }
      this.#stores.push(heads)
    }
    this.#accelerator = options.accelerator
    const policy = options.policy
    this.#attentionPositions = policy?.attentionPositions?.bind(policy)
  }

  get shape(): CacheShape {
    return this.#shape
  }

  get options(): CacheOptions {
    return this.#options
  }

  /** The codec the head stores use (the explicit full-precision codec when none was given). */
  get codec(): KVCodec {
    return this.#codec
  }

  /** Tokens of the sequence so far (the next token's original position). */
  get length(): number {
    return this.#length
  }

  /** Describes the composition: the names of its parts joined by ` + `, or `full`. */
  get description(): string {
    const { codec, policy, extensions, exit } = this.#options
    const parts = [policy?.name, codec?.name, ...(extensions ?? []).map((e) => e.name), exit?.name]
    const named = parts.filter(Boolean)
    return named.length === 0 ? 'full' : named.join(' + ')
  }

  /** Why the accelerator stopped serving, if it did (the cache then attends on the CPU). */
  get acceleratorLost(): string | undefined {
    return this.#acceleratorLost
  }

  /** Whether `attendAsync` still goes to the accelerator. */
  get accelerated(): boolean {
    return this.#accelerator !== undefined
  }

  /** What one layer and KV head holds (read-only). */
  head(layer: number, head: number): HeadSlots {
    return this.#store(layer, head)
  }

  #store(layer: number, head: number): HeadStore {
    const store = this.#stores[layer]?.[head]
    if (!store) {
      throw new RangeError(
        `no head ${head} in layer ${layer}: the cache has ${this.#shape.numLayers} layers × ${this.#shape.numKVHeads} KV heads`,
      )
    }
    return store
  }

  /**
   * Stores rows of one layer: `keys` (rotated at their positions) and `values`, `[tokens, numKVHeads·headDim]`
   * each, for a decode step (one row) or a prompt (many). Checked before anything is stored.
   */
  append(layer: number, keys: Float32Array, values: Float32Array, options: AppendOptions = {}): void {
    const { numKVHeads, headDim, numHeads } = this.#shape
    const width = numKVHeads * headDim
    this.#checkLayer(layer, 'append')
    if (keys.length === 0 || keys.length % width !== 0 || values.length !== keys.length) {
      throw new RangeError(
        `append(layer ${layer}): keys (${keys.length}) and values (${values.length}) must both be [tokens, ${numKVHeads}·${headDim}] with tokens ≥ 1`,
      )
    }
    const tokens = keys.length / width
    const positions = options.positions ?? this.#nextPositions(layer, tokens)
    if (positions.length !== tokens) {
      throw new RangeError(`append(layer ${layer}): ${positions.length} positions for ${tokens} rows`)
    }
    const { queries, attention } = options
    if (queries && queries.length !== tokens * numHeads * headDim) {
      throw new RangeError(
        `append(layer ${layer}): queries must be [${tokens}, ${numHeads}·${headDim}], got ${queries.length} numbers`,
      )
    }
    if (attention && (attention.length !== numKVHeads || attention.some((a) => a.length < tokens))) {
      throw new RangeError(
        `append(layer ${layer}): attention must hold ${numKVHeads} arrays of ${tokens} sums`,
      )
    }
    const step = this.#begin()
    try {
      this.#appendRows(layer, keys, values, positions, tokens, options)
    } catch (error) {
      this.#undo()
      throw error
    }
    const accelerator = this.#accelerator
    if (accelerator) {
      step.acceleratorFed = true
      try {
        accelerator.append(layer, keys, values, positions)
      } catch (error) {
        this.#loseAccelerator(`${accelerator.name}: ${(error as Error).message}`)
      }
    }
  }

  #appendRows(
    layer: number,
    keys: Float32Array,
    values: Float32Array,
    positions: Int32Array,
    tokens: number,
    { queries, attention }: AppendOptions,
  ): void {
    const { numKVHeads, headDim, numHeads } = this.#shape
    const width = numKVHeads * headDim
    const group = numHeads / numKVHeads
    for (let head = 0; head < numKVHeads; head++) {
      const store = this.#stores[layer]![head]!
      for (let t = 0; t < tokens; t++) {
        store.append(keys, t * width + head * headDim, values, t * width + head * headDim, positions[t]!)
      }
      if (attention && store.stats.tracksAttention) {
        const sums = attention[head]!
        const first = store.count - tokens
        for (let t = 0; t < tokens; t++) {
          store.stats.attention[first + t] = sums[t]!
          store.stats.observed[first + t] = tokens - t
        }
        this.#options.policy?.observe?.(layer, head, sums, tokens)
      }
      if (queries) {
        const headQueries = gatherRows(
          queries,
          tokens,
          numHeads * headDim,
          head * group * headDim,
          group * headDim,
        )
        this.#codec.calibrate?.(
          layer,
          head,
          Tensor.fromF32(headQueries, [tokens * group, headDim]),
          Tensor.fromF32(gatherRows(keys, tokens, width, head * headDim, headDim), [tokens, headDim]),
        )
        for (const extension of this.#extensions) extension.onPrompt?.(layer, head, headQueries, tokens)
      }
    }
    this.#pending[layer]! += tokens
    for (const position of positions)
      this.#lastPosition[layer] = Math.max(this.#lastPosition[layer]!, position)
  }

  #nextPositions(layer: number, tokens: number): Int32Array {
    const first = this.#length + this.#pending[layer]!
    return Int32Array.from({ length: tokens }, (_, t) => first + t)
  }

  #checkLayer(layer: number, where: string): void {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.#shape.numLayers) {
      throw new RangeError(
        `${where}: layer ${layer} is not a layer of this cache (0..${this.#shape.numLayers - 1})`,
      )
    }
  }

  /**
   * Decode-step attention of a layer on the CPU, fused through the codec: `queries` `[numHeads·headDim]`
   * before RoPE (the cache rotates them at the position of the layer's newest row); returns `out`
   * `[numHeads·headDim]`. Attention statistics are updated and shown to the policy.
   */
  attend(layer: number, queries: Float32Array, out?: Float32Array): Float32Array {
    const result = this.#checkAttend(layer, queries, out)
    this.#begin()
    try {
      this.#attendHeads(layer, queries, result)
    } catch (error) {
      this.#undo()
      throw error
    }
    return result
  }

  #attendHeads(layer: number, queries: Float32Array, result: Float32Array): void {
    const { numKVHeads, numHeads, headDim } = this.#shape
    const group = numHeads / numKVHeads
    const policy = this.#options.policy
    const position = this.#lastPosition[layer]!
    for (let head = 0; head < numKVHeads; head++) {
      const store = this.#stores[layer]![head]!
      const needWeights = store.stats.tracksAttention || policy?.observe !== undefined
      let weights = this.#weights[head]
      if (needWeights && (!weights || weights.length < store.count)) {
        weights = this.#weights[head] = new Float32Array(Math.max(store.count * 2, 64))
      }
      const mass = store.stats.mass
      const request: AttendRequest = {
        store,
        codec: store.codec,
        queries: queries.subarray(head * group * headDim, (head + 1) * group * headDim),
        group,
        invFreq: this.#invFreq,
        position,
        attentionPositions: this.#attentionPositions,
        adjustLogits: policy?.adjustLogits
          ? (logits, offset, count) => policy.adjustLogits!(layer, head, mass, count, logits, offset)
          : undefined,
        out: result.subarray(head * group * headDim, (head + 1) * group * headDim),
        weightsSum: needWeights ? weights : undefined,
        scratch: this.#scratch,
      }
      if (!this.#extensions.some((extension) => extension.attend?.(request) === true)) attendHead(request)
      if (needWeights) {
        if (store.stats.tracksAttention) store.stats.observe(weights!)
        policy?.observe?.(layer, head, weights!.subarray(0, store.count), store.count)
      }
    }
  }

  #checkAttend(layer: number, queries: Float32Array, out: Float32Array | undefined): Float32Array {
    this.#checkLayer(layer, 'attend')
    const width = this.#shape.numHeads * this.#shape.headDim
    if (queries.length !== width) {
      throw new RangeError(
        `attend(layer ${layer}): queries must be [numHeads·headDim] = ${width} numbers, got ${queries.length}`,
      )
    }
    if (out && out.length !== width) {
      throw new RangeError(`attend(layer ${layer}): out must hold ${width} numbers, got ${out.length}`)
    }
    if (this.#lastPosition[layer]! < 0)
      throw new RangeError(`attend(layer ${layer}): the layer holds no token yet`)
    return out ?? new Float32Array(width)
  }

  /**
   * `attend` on the accelerator when the cache has one that still serves (its answer is awaited), else on
   * the CPU. A device that is lost (resolves false or rejects) is dropped for good and the step goes on
   * on the CPU, over the cache's own copy of every token.
   */
  async attendAsync(layer: number, queries: Float32Array, out?: Float32Array): Promise<Float32Array> {
    const accelerator = this.#accelerator
    if (!accelerator) return this.attend(layer, queries, out)
    const result = this.#checkAttend(layer, queries, out)
    const { numHeads, headDim } = this.#shape
    const position = this.#lastPosition[layer]!
    const rotated = (this.#rotated ??= new Float32Array(queries.length))
    rotated.set(queries)
    for (let head = 0; head < numHeads; head++)
      applyRope(rotated, head * headDim, headDim, position, this.#invFreq)
    try {
      if (await accelerator.attend(layer, rotated, position, result)) return result
      this.#loseAccelerator(`${accelerator.name} stopped serving`)
    } catch (error) {
      this.#loseAccelerator(`${accelerator.name}: ${(error as Error).message}`)
    }
    return this.attend(layer, queries, result)
  }

  #loseAccelerator(reason: string): void {
    this.#acceleratorLost ??= reason
    this.#accelerator = undefined
  }

  /**
   * Ends a prompt or a decode step: the sequence grows, the policy plans every head, plans are carried
   * out, full blocks are encoded, and the extensions do their part.
   */
  endStep(options: EndStepOptions = {}): void {
    const appended = Math.max(...this.#pending)
    const highest = Math.max(...this.#lastPosition)
    const tokens = options.tokens ?? Math.max(0, highest + 1 - this.#length)
    if (!Number.isInteger(tokens) || tokens < 0) {
      throw new RangeError(`endStep: tokens must be a non-negative integer, got ${tokens}`)
    }
    const phase = options.phase ?? (appended > 1 || this.#length === 0 ? 'prefill' : 'decode')
    this.#begin()
    try {
      this.#finishStep(phase, tokens)
    } catch (error) {
      this.#undo()
      throw error
    }
    this.#commit()
  }

  #finishStep(phase: CachePhase, tokens: number): void {
    this.#length += tokens
    this.#pending.fill(0)
    const policy = this.#options.policy
    const position = this.#length - 1
    for (let layer = 0; layer < this.#shape.numLayers; layer++) {
      const encodedElsewhere = this.#extensions.some((extension) => extension.encodesLayer?.(layer) === true)
      for (let head = 0; head < this.#shape.numKVHeads; head++) {
        const store = this.#stores[layer]![head]!
        if (policy && store.count > 0) {
          const plan = policy.plan(slotView(store, this.#shape, position, phase))
          if (plan) {
            const removed = applyPlan(store, plan, policy)
            if (removed.length > 0)
              for (const extension of this.#extensions) extension.onRemove?.(layer, head, removed)
          }
        }
        for (const extension of this.#extensions) extension.afterPlan?.(layer, head, phase)
        if (!encodedElsewhere) store.flush(phase)
      }
    }
    for (const extension of this.#extensions) extension.onStepEnd?.(phase)
  }

  /**
   * Undoes the open step: the cache goes back to where it was after the last `endStep` (nothing happens
   * when no step is open). `append`, `attend` and `endStep` do this themselves when a plug-in throws; a
   * model runtime calls it when its own part of a step fails. An accelerator that was given rows in the
   * step is dropped (its copy cannot be undone); the cache goes on on the CPU.
   */
  abortStep(): void {
    if (this.#step) this.#undo()
  }

  /** Whether a step is open (rows appended or attention run since the last `endStep`). */
  get stepOpen(): boolean {
    return this.#step !== undefined
  }

  #begin(): StepMark {
    if (this.#step) return this.#step
    this.#step = {
      heads: this.#stores.map((heads) => heads.map((store) => store.mark())),
      length: this.#length,
      pending: this.#pending.slice(),
      lastPosition: this.#lastPosition.slice(),
      plugins: this.#savePlugins(),
      acceleratorFed: false,
    }
    return this.#step
  }

  #commit(): void {
    for (const heads of this.#stores) for (const store of heads) store.releaseMark()
    this.#step = undefined
  }

  #undo(): void {
    const step = this.#step
    if (!step) return
    this.#step = undefined
    this.#stores.forEach((heads, layer) => {
      heads.forEach((store, head) => {
        store.rollback(step.heads[layer]![head]!)
        store.releaseMark()
      })
    })
    this.#length = step.length
    step.pending.forEach((count, layer) => {
      this.#pending[layer] = count
    })
    step.lastPosition.forEach((position, layer) => {
      this.#lastPosition[layer] = position
    })
    this.#loadPlugins(step.plugins)
    if (step.acceleratorFed && this.#accelerator) {
      this.#loseAccelerator(
        `${this.#accelerator.name}: a failed step was undone, which its copy cannot follow`,
      )
    }
  }

  #savePlugins(): PluginStates {
    const { policy, exit } = this.#options
    return {
      codec: this.#codec.saveState?.() ?? null,
      policy: policy?.saveState?.() ?? null,
      exit: exit?.saveState?.() ?? null,
      extensions: this.#extensions.map((extension) => extension.saveState?.() ?? null),
    }
  }

  #loadPlugins(states: PluginStates): void {
    const { policy, exit } = this.#options
    if (this.#codec.loadState) this.#codec.loadState(states.codec)
    if (policy?.loadState) policy.loadState(states.policy)
    if (exit?.loadState) exit.loadState(states.exit)
    this.#extensions.forEach((extension, i) => {
      extension.loadState?.(states.extensions[i] ?? null)
    })
  }

  /**
   * The whole cache as plain data (see `CacheState`): blocks as the codec holds them, the full-precision
   * window, slot statistics and the plug-ins' state. Between steps only. `loadState` on a cache of the
   * same shape and pipeline restores it so that the next logits are bit-identical.
   */
  saveState(): CacheState {
    if (this.#step) throw new Error('saveState: a step is open; call endStep (or abortStep) first')
    const { numLayers, numKVHeads, headDim } = this.#shape
    return {
      version: CACHE_STATE_VERSION,
      numLayers,
      numKVHeads,
      headDim,
      description: this.description,
      length: this.#length,
      lastPosition: Int32Array.from(this.#lastPosition),
      heads: this.#stores.map((heads) => heads.map((store) => store.saveState())),
      ...this.#savePlugins(),
    }
  }

  /**
   * Restores a state from `saveState` of a cache with the same shape and pipeline. Checked first; a state
   * that fails part-way leaves the cache as it was. An accelerator is dropped (its copy does not follow).
   */
  loadState(state: CacheState): void {
    if (this.#step) throw new Error('loadState: a step is open; call endStep (or abortStep) first')
    const { numLayers, numKVHeads, headDim } = this.#shape
    if (state?.version !== CACHE_STATE_VERSION) {
      throw new RangeError(
        `loadState: state format version ${state?.version} is not ${CACHE_STATE_VERSION}, the one this @kv/cache reads`,
      )
    }
    if (state.numLayers !== numLayers || state.numKVHeads !== numKVHeads || state.headDim !== headDim) {
      throw new RangeError(
        `loadState: the state is of ${state.numLayers} layers × ${state.numKVHeads} KV heads × ${state.headDim} dims, this cache ${numLayers} × ${numKVHeads} × ${headDim}`,
      )
    }
    if (state.description !== this.description) {
      throw new RangeError(
        `loadState: the state was saved by a "${state.description}" cache, this one is "${this.description}"`,
      )
    }
    if (!Number.isInteger(state.length) || state.length < 0) {
      throw new RangeError(`loadState: length ${state.length} is not a token count`)
    }
    const lastPosition = state.lastPosition
    if (
      !(lastPosition instanceof Int32Array) ||
      lastPosition.length !== numLayers ||
      lastPosition.some((position) => position < -1 || position >= state.length)
    ) {
      throw new RangeError(
        `loadState: lastPosition must hold, per layer, a position below length ${state.length} (or -1)`,
      )
    }
    this.#begin()
    try {
      for (let layer = 0; layer < numLayers; layer++) {
        for (let head = 0; head < numKVHeads; head++) {
          const saved = state.heads?.[layer]?.[head]
          if (!saved) throw new RangeError(`loadState: no state for layer ${layer} head ${head}`)
          this.#stores[layer]![head]!.loadState(saved)
        }
      }
      this.#loadPlugins(state)
    } catch (error) {
      this.#undo()
      throw error
    }
    this.#commit()
    this.#length = state.length
    this.#pending.fill(0)
    for (let layer = 0; layer < numLayers; layer++) this.#lastPosition[layer] = lastPosition[layer]!
    if (this.#accelerator)
      this.#loseAccelerator(`${this.#accelerator.name}: its copy does not follow loadState`)
  }

  /** Tokens held per layer and head, logical and physical bytes, and the ratio to a full float16 cache. */
  stats(): CacheStats {
    return collectStats(this.#stores, this.#length, this.#extensions)
  }
}

/** Columns `[offset, offset + span)` of each of `tokens` rows of `width`, packed. */
function gatherRows(
  rows: Float32Array,
  tokens: number,
  width: number,
  offset: number,
  span: number,
): Float32Array {
  const out = new Float32Array(tokens * span)
  for (let t = 0; t < tokens; t++)
    out.set(rows.subarray(t * width + offset, t * width + offset + span), t * span)
  return out
}
