import type { PlainState } from './state.js'

/**
 * Which layers run for a token (early exit and layer skipping). A skipped layer passes the hidden state
 * through unchanged and writes nothing to the cache; a schedule must guarantee that every layer a token
 * runs was run by every earlier token, so that attention never reads a cache entry that was not written.
 *
 * @example
 * const schedule: ExitSchedule = unifiedLayerSkipping({ speedup: 1.5 })
 * const mask = new Uint8Array(8)
 * schedule.layers(100, 8, mask) // mask[l] = 1 where layer l runs
 */
export interface ExitSchedule {
  readonly name: string
  /** Fills `out[l]` with 1 when layer `l` runs for the token at `position`, 0 when it is skipped. */
  layers(position: number, numLayers: number, out: Uint8Array): void
  /** Per-sequence state, if the schedule keeps any (see `Stateful`). */
  saveState?(): PlainState
  loadState?(state: PlainState): void
}
