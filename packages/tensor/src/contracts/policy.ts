import type { CachePhase } from './codec.js'
import type { PlainState } from './state.js'

/**
 * What a policy sees of one head's slots when it plans. Slots are ordered by the position of the token
 * they hold (oldest first); arrays are views that stay valid only during the call.
 */
export interface SlotView {
  readonly layer: number
  readonly head: number
  readonly numLayers: number
  /** KV heads per layer (`head` ranges over them). */
  readonly numHeads: number
  readonly headDim: number
  /** Slots held now. */
  readonly count: number
  /** Position of the token just added (the sequence length so far minus one). */
  readonly position: number
  readonly phase: CachePhase
  /** Original token position of each slot. */
  readonly positions: Int32Array
  /** Attention each slot received, summed over steps and over the query heads that share this KV head. */
  readonly attention: Float32Array
  /** Attention each slot received at the last step, summed over the query heads of the group. */
  readonly lastAttention: Float32Array
  /** Steps each slot has been attended (for mean attention). */
  readonly observed: Float32Array
  /** Precision tier of each slot (0 = the codec's most precise). */
  readonly tiers: Uint8Array
  /** Number of tokens each slot stands for (1, or more after merges). */
  readonly mass: Float32Array
  /** Keys of all slots, `[count, headDim]`, decoded on demand. */
  keys(): Float32Array
  /** Values of all slots, `[count, headDim]`, decoded on demand. */
  values(): Float32Array
}

/**
 * Merge `from[i]` into `into[i]`: the target's key and value become the average of both weighted by
 * `mass[into]` and `weights[i] · mass[from]`, its mass grows by `weights[i] · mass[from]`, and `from[i]` is
 * evicted. Targets must not be evicted by the same plan.
 */
export interface SlotMerge {
  readonly from: Int32Array
  readonly into: Int32Array
  readonly weights: Float32Array
}

/** What a policy decides for a head: slot indices refer to the `SlotView` it was given. */
export interface SlotPlan {
  /** Slots to drop (their memory is freed). */
  readonly evict?: Int32Array
  /** Slots to move to a lower-precision tier (needs a codec with that many tiers). */
  readonly demote?: ReadonlyArray<{ readonly slots: Int32Array; readonly tier: number }>
  readonly merge?: SlotMerge
}

/**
 * Which tokens each head keeps, in which tier, and which are merged or dropped.
 *
 * The cache calls `plan` for every layer and KV head after the prompt (phase `prefill`) and after each
 * decoded token (phase `decode`), once the attention of that step has been added to the slot statistics.
 *
 * @example
 * const policy: KVPolicy = streamingLLM({ sinks: 4, window: 508 })
 * const cache = new KVCache(shape, { policy })
 */
export interface KVPolicy {
  readonly name: string
  /** True when `plan` reads attention statistics (the backend must produce attention weights). */
  readonly needsAttention: boolean
  /** Highest precision tier this policy demotes to (absent or 0: it never demotes); the codec needs more tiers. */
  readonly tiers?: number
  /**
   * Positions attention sees, when the policy re-assigns them (absent: every slot at its original
   * position). Fills `out[slot]` for the `count` slots whose original positions are `stored` and returns
   * the position of the query. Keys stay stored rotated at their original positions; the cache rotates the
   * query once per run of slots with the same shift. StreamingLLM's compact positions (slot i at
   * position i) let a sequence run past the trained context.
   */
  attentionPositions?(stored: Int32Array, count: number, out: Int32Array): number
  /**
   * Adjusts one query head's scaled logits over a head's slots before the softmax (absent: no change),
   * e.g. `log(mass)` for a slot that stands for several tokens.
   */
  adjustLogits?(
    layer: number,
    head: number,
    mass: Float32Array,
    count: number,
    logits: Float32Array,
    offset: number,
  ): void
  /** Sees the attention weights a head gave its slots at one step (summed over the group's query heads). */
  observe?(layer: number, head: number, weights: Float32Array, count: number): void
  plan(view: SlotView): SlotPlan | null
  /** Forgets any per-sequence state (a cache reset). */
  reset?(): void
  /** The per-sequence state (see `Stateful`); a policy that keeps any implements both. */
  saveState?(): PlainState
  loadState?(state: PlainState): void
}
