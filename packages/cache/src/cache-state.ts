import type { PlainState } from '@kv/tensor/contracts'
import type { HeadMark, HeadState } from './head-store.js'

/** Format version of `CacheState`; a newer one is refused by `loadState`. */
export const CACHE_STATE_VERSION = 1

/**
 * A cache as plain data (`KVCache.saveState`): per layer and KV head the codec's blocks exactly as held,
 * the full-precision window and the slot statistics, then the plug-ins' own state. Blocks are shared with
 * the cache, not copied (codecs never change a block in place): serialize the state before the next step.
 */
export interface CacheState {
  readonly version: number
  readonly numLayers: number
  readonly numKVHeads: number
  readonly headDim: number
  /** What the cache was composed of (`KVCache.description`), to refuse a state of another pipeline. */
  readonly description: string
  readonly length: number
  /** Per layer, the highest position ever appended (-1: none). */
  readonly lastPosition: Int32Array
  readonly heads: readonly (readonly HeadState[])[]
  readonly codec: PlainState
  readonly policy: PlainState
  readonly exit: PlainState
  readonly extensions: readonly PlainState[]
}

/** Plug-in state, saved at the start of a step. */
export interface PluginStates {
  readonly codec: PlainState
  readonly policy: PlainState
  readonly exit: PlainState
  readonly extensions: readonly PlainState[]
}

/** Everything the cache needs to undo an open step. */
export interface StepMark {
  readonly heads: readonly (readonly HeadMark[])[]
  readonly length: number
  readonly pending: readonly number[]
  readonly lastPosition: readonly number[]
  readonly plugins: PluginStates
  /** Whether the accelerator was given rows in this step (its copy cannot be undone). */
  acceleratorFed: boolean
}
