import type { ExitSchedule } from '@kv/tensor/contracts'
import { checkLayersCall } from '../shared/validate.js'
import { type SkipDecodeOptions, skipDecodeLayerCounts } from './layer-counts.js'

/**
 * The SkipDecode schedule, with the plan it follows.
 *
 * @example
 * const schedule: SkipDecodeSchedule = skipDecode({ speedup: 2, maxLength: 8, numLayers: 8 })
 * schedule.layerCount(3) // 4
 */
export interface SkipDecodeSchedule extends ExitSchedule {
  readonly speedup: number
  readonly maxLength: number
  readonly numLayers: number
  readonly minLayers: number
  readonly maxLayers: number
  /** Mean layers run over positions [0, maxLength); `numLayers / averageLayers` is the achieved speed-up. */
  readonly averageLayers: number
  /** Layers run at `position` (`minLayers` from `maxLength` on). */
  layerCount(position: number): number
}

/**
 * SkipDecode (Del Corro et al., 2023) as an `ExitSchedule`: every sequence in a batch runs the same number of
 * layers at a given position, `n(p)` from `skipDecodeLayerCounts`, decaying linearly with position from
 * `maxLayers` to `minLayers`, then `minLayers` from `maxLength` on. The LOWEST layers are skipped: the token
 * at p runs layers `[numLayers − n(p), numLayers)`.
 *
 * What the cache holds: a skipped layer computes no key or value, so nothing is stored for (layer, p). Since
 * `n` never increases with position, a layer that position p runs (l ≥ L − n(p) ≥ L − n(q) for q < p) was run,
 * and written, by every earlier position: attention never reads an entry that was not written and no entry
 * is ever recomputed. The price is that lower layers stop growing their cache: layer l holds exactly the
 * positions with n(p) > L − 1 − l, a prefix of the sequence.
 *
 * Positions are those the runtime passes (prompt tokens included): a prompt runs the early, deep part of the
 * schedule, which keeps the guarantee because the prompt precedes every generated token.
 *
 * @example
 * const schedule = skipDecode({ speedup: 2, maxLength: 512, numLayers: 8 })
 * const mask = new Uint8Array(8)
 * schedule.layers(300, 8, mask) // mask = [0, 0, 0, 0, 0, 1, 1, 1]: the top 3 layers run
 */
export function skipDecode(options: SkipDecodeOptions): SkipDecodeSchedule {
  const plan = skipDecodeLayerCounts(options)
  const { counts, numLayers, minLayers, maxLength } = plan
  const layerCount = (position: number): number => (position < maxLength ? counts[position]! : minLayers)
  return {
    name: 'skipDecode',
    speedup: plan.speedup,
    maxLength,
    numLayers,
    minLayers,
    maxLayers: plan.maxLayers,
    averageLayers: plan.averageLayers,
    layerCount(position: number): number {
      if (!Number.isInteger(position) || position < 0) {
        throw new RangeError(
          `skipDecode.layerCount: position must be an integer ≥ 0, got ${String(position)}`,
        )
      }
      return layerCount(position)
    },
    layers(position: number, layers: number, out: Uint8Array): void {
      checkLayersCall('skipDecode.layers', position, layers, out)
      if (layers !== numLayers) {
        throw new RangeError(
          `skipDecode.layers: numLayers ${layers} differs from the schedule's ${numLayers}`,
        )
      }
      const firstRun = numLayers - layerCount(position)
      for (let l = 0; l < numLayers; l++) out[l] = l >= firstRun ? 1 : 0
    },
  }
}
