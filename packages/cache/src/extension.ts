import type { CachePhase, KVCodec, KVPolicy, PlainState } from '@kv/tensor/contracts'
import type { AttendRequest } from './attention.js'
import type { HeadStore } from './head-store.js'
import type { CacheOptions, CacheShape } from './kv-cache.js'

/** What an extension may reach of the cache it is attached to. */
export interface CacheHost {
  readonly shape: CacheShape
  /** The cache's codec (the explicit full-precision codec when none was given). */
  readonly codec: KVCodec
  readonly policy: KVPolicy | undefined
  /** The slots of one layer and KV head (valid after the cache is built). */
  head(layer: number, head: number): HeadStore
}

/**
 * Per-cache state of an extension: the hooks the cache calls. Every hook is optional.
 *
 * A hook that throws undoes the step: the cache goes back to where it was after the last `endStep`
 * (see `Stateful` in `@kv/tensor/contracts`).
 *
 * Order within a step: `onPrompt` (prompt rows only) → `attend` (decode steps) → at `endStep`, per layer
 * and head: the policy's plan, `onRemove` with what it removed, `afterPlan`, then the head's full
 * blocks are encoded unless an extension `encodesLayer`; finally `onStepEnd`.
 */
export interface ExtensionState {
  /** The codec the head stores of `layer` use (an extension may wrap the cache's). */
  codecFor?(layer: number, codec: KVCodec): KVCodec
  /** True when this extension encodes `layer`'s blocks itself (in `onStepEnd`) instead of the head stores. */
  encodesLayer?(layer: number): boolean
  /** Sees a prompt's rotated queries of the query heads sharing KV head `head`, `[tokens·group, headDim]`. */
  onPrompt?(layer: number, head: number, queries: Float32Array, tokens: number): void
  /** An attention strategy: computes the head's decode attention and returns true, or returns false to pass. */
  attend?(request: AttendRequest): boolean
  /** Slots a policy removed from a head (their original positions). */
  onRemove?(layer: number, head: number, positions: Int32Array): void
  /** After a head's plan is carried out, before its blocks are encoded. */
  afterPlan?(layer: number, head: number, phase: CachePhase): void
  /** After every head of every layer was planned and encoded. */
  onStepEnd?(phase: CachePhase): void
  /** Bytes the extension holds beside the head stores (indexes, shared rows). */
  logicalBytes?(): number
  physicalBytes?(): number
  /**
   * The per-sequence state (indexes, shared rows), as plain data that later hooks do not change; the cache
   * saves it at the start of every step to undo a failed one, and with `KVCache.saveState`. An extension
   * that keeps state implements both.
   */
  saveState?(): PlainState
  loadState?(state: PlainState): void
}

/**
 * A method that plugs into the cache beyond the codec, policy and exit slots (layer merging, key
 * retrieval, or a third party's). The factory's object is a recipe; `attach` makes the state of one cache.
 *
 * @example
 * const counter: CacheExtension = { name: "counter", attach: () => ({ onStepEnd: () => steps++ }) }
 * const cache = new KVCache(shape, { extensions: [counter] })
 */
export interface CacheExtension {
  readonly name: string
  /**
   * Parts of the cache this extension takes over, e.g. `keys` (how a layer's keys are read at attention).
   * Two extensions that claim the same part cannot be composed.
   */
  readonly claims?: readonly string[]
  /** Returns why this extension cannot work in the composition (name the parts), or undefined. */
  check?(shape: CacheShape, options: CacheOptions): string | undefined
  attach(host: CacheHost): ExtensionState
}
