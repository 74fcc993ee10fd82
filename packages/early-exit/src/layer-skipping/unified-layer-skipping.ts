import { checkOptionKeys } from '@kv/tensor'
import type { ExitSchedule } from '@kv/tensor/contracts'
import { checkLayersCall, checkSpeedup } from '../shared/validate.js'
import { uniformSkipSet } from './uniform-skip-set.js'

/**
 * Unified Layer Skipping's settings.
 *
 * @example
 * const options: UnifiedLayerSkippingOptions = { speedup: 2 }
 */
export interface UnifiedLayerSkippingOptions {
  /** Target speed-up, ≥ 1; the number of skipped layers is `round(L − L / speedup)`. */
  readonly speedup: number
}

/** Parameters of the `uls` method spec; optional, as parsed: `speedup` is checked when the spec is built. */
export type UnifiedLayerSkippingParams = Partial<UnifiedLayerSkippingOptions>

/**
 * The Unified Layer Skipping schedule.
 *
 * @example
 * const schedule: UnifiedLayerSkippingSchedule = unifiedLayerSkipping({ speedup: 2 })
 * schedule.skipSet(8) // [1, 3, 4, 6]
 */
export interface UnifiedLayerSkippingSchedule extends ExitSchedule {
  readonly speedup: number
  /** The skipped layers of a `numLayers`-layer model, ascending (see `uniformSkipSet`). */
  skipSet(numLayers: number): Int32Array
}

/**
 * Unified Layer Skipping as an `ExitSchedule`: the same layers, `uniformSkipSet(L, speedup)`, are skipped
 * for every token, so batching and KV caching work unchanged. A skipped layer never writes the cache, and
 * since no token ever runs it, nothing ever reads it: its cache stays empty (zero bytes) for the whole
 * sequence, a memory saving of k/L on top of the compute saving.
 *
 * @example
 * const schedule = unifiedLayerSkipping({ speedup: 1.5 })
 * const mask = new Uint8Array(8)
 * schedule.layers(100, 8, mask) // mask = [1, 1, 0, 1, 0, 1, 0, 1]
 */
export function unifiedLayerSkipping(options: UnifiedLayerSkippingOptions): UnifiedLayerSkippingSchedule {
  checkOptionKeys('unifiedLayerSkipping', options, ['speedup'])
  const { speedup } = options
  checkSpeedup('unifiedLayerSkipping', speedup)
  // The model's depth arrives with each call; the set is recomputed only when it changes.
  let cachedLayers = -1
  let cachedSet: Int32Array = new Int32Array(0)
  const skipSet = (numLayers: number): Int32Array => {
    if (numLayers !== cachedLayers) {
      cachedSet = uniformSkipSet(numLayers, speedup)
      cachedLayers = numLayers
    }
    return cachedSet
  }
  return {
    name: 'unifiedLayerSkipping',
    speedup,
    skipSet(numLayers: number): Int32Array {
      return skipSet(numLayers).slice()
    },
    layers(position: number, numLayers: number, out: Uint8Array): void {
      checkLayersCall('unifiedLayerSkipping.layers', position, numLayers, out)
      const skipped = skipSet(numLayers)
      out.fill(1, 0, numLayers)
      for (let i = 0; i < skipped.length; i++) out[skipped[i]!] = 0
    },
  }
}
