import { checkOptionKeys } from '@kv/tensor'
import { checkInteger, checkSpeedup } from '../shared/validate.js'

/**
 * SkipDecode's settings.
 *
 * @example
 * const options: SkipDecodeOptions = { speedup: 3, maxLength: 2048, numLayers: 32, minLayers: 4 }
 */
export interface SkipDecodeOptions {
  /** Target average speed-up over positions [0, maxLength): the mean layer count is `numLayers / speedup`. */
  readonly speedup: number
  /** Positions the decay spans; positions from `maxLength` on run `minLayers`. */
  readonly maxLength: number
  /** Layers of the model. */
  readonly numLayers: number
  /** Fewest layers a token runs (the paper's minimum exit); default 1. */
  readonly minLayers?: number
  /** Most layers a token runs, reached at position 0 (the paper's maximum exit); default `numLayers`. */
  readonly maxLayers?: number
}

/**
 * Parameters of the `skipdecode` method spec: {@link SkipDecodeOptions} but `numLayers`, which comes from the
 * model (`maxLength` defaults to the model's context there). All optional, as parsed: `speedup` is checked
 * when the spec is built.
 */
export type SkipDecodeParams = Partial<Omit<SkipDecodeOptions, 'numLayers'>>

/**
 * The validated, defaulted settings and the per-position layer counts they give.
 *
 * @example
 * const plan: SkipDecodePlan = skipDecodeLayerCounts({ speedup: 2, maxLength: 8, numLayers: 8 })
 * plan.counts // [8, 7, 6, 4, 3, 2, 1, 1]
 */
export interface SkipDecodePlan {
  readonly speedup: number
  readonly maxLength: number
  readonly numLayers: number
  readonly minLayers: number
  readonly maxLayers: number
  /** Layers dropped per position by the linear decay (before rounding and the `minLayers` floor). */
  readonly slope: number
  /** `counts[p]`: layers run at position p < maxLength, non-increasing, in [minLayers, maxLayers]. */
  readonly counts: Int32Array
  /** Mean of `counts`, within half a layer of `numLayers / speedup`. */
  readonly averageLayers: number
}

/** Bisection steps on the slope; float64 has converged long before. */
const BISECTION_STEPS = 200

/**
 * The number of layers SkipDecode runs at each position p in [0, maxLength):
 * `n(p) = max(minLayers, round(maxLayers − slope · p))`, a line that starts at `maxLayers` and decays
 * linearly until it meets the `minLayers` floor. The slope is solved by bisection so that the mean of
 * `n` over [0, maxLength) is the closest achievable to `numLayers / speedup`. Rounding moves the mean in
 * steps of less than one layer, so it lands within half a layer of any target between the steepest
 * schedule's mean, `minLayers + (maxLayers − minLayers)/maxLength`, and the flat one's, `maxLayers`; a target
 * more than half a layer outside that range is refused with a RangeError that gives the numbers.
 *
 * @example
 * skipDecodeLayerCounts({ speedup: 2, maxLength: 8, numLayers: 8 })
 * // counts [8, 7, 6, 4, 3, 2, 1, 1], averageLayers 4, slope ≈ 1.17
 */
export function skipDecodeLayerCounts(options: SkipDecodeOptions): SkipDecodePlan {
  checkOptionKeys('skipDecode', options, ['speedup', 'maxLength', 'numLayers', 'minLayers', 'maxLayers'])
  const { speedup, maxLength, numLayers } = options
  checkInteger('skipDecode', 'numLayers', numLayers, 1)
  checkSpeedup('skipDecode', speedup)
  checkInteger('skipDecode', 'maxLength', maxLength, 1)
  const minLayers = options.minLayers ?? 1
  const maxLayers = options.maxLayers ?? numLayers
  checkInteger('skipDecode', 'minLayers', minLayers, 1)
  checkInteger('skipDecode', 'maxLayers', maxLayers, 1)
  if (maxLayers > numLayers) {
    throw new RangeError(`skipDecode: maxLayers ${maxLayers} exceeds numLayers ${numLayers}`)
  }
  if (minLayers > maxLayers) {
    throw new RangeError(`skipDecode: minLayers ${minLayers} must not exceed maxLayers ${maxLayers}`)
  }
  const target = numLayers / speedup
  const counts = new Int32Array(maxLength)
  let low = 0 // mean(low) ≥ target once bracketed
  let high = maxLayers - minLayers + 1 // every position after 0 at the floor
  let slope: number
  if (fillCounts(counts, maxLayers, minLayers, 0) <= target) slope = 0
  else if (fillCounts(counts, maxLayers, minLayers, high) >= target) slope = high
  else {
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const mid = (low + high) / 2
      if (mid === low || mid === high) break
      if (fillCounts(counts, maxLayers, minLayers, mid) > target) low = mid
      else high = mid
    }
    const meanLow = fillCounts(counts, maxLayers, minLayers, low)
    const meanHigh = fillCounts(counts, maxLayers, minLayers, high)
    slope = meanLow - target < target - meanHigh ? low : high
  }
  const averageLayers = fillCounts(counts, maxLayers, minLayers, slope)
  if (Math.abs(averageLayers - target) > 0.5) {
    const why =
      averageLayers > target ? `even the steepest decay to minLayers ${minLayers}` : `maxLayers ${maxLayers}`
    throw new RangeError(
      `skipDecode: speedup ${speedup} needs a mean of ${target.toFixed(3)} of ${numLayers} layers over ${maxLength} positions, but ${why} gives ${averageLayers.toFixed(3)}`,
    )
  }
  return { speedup, maxLength, numLayers, minLayers, maxLayers, slope, counts, averageLayers }
}

/** Fills `counts` with `max(minLayers, round(maxLayers − slope · p))` and returns their mean. */
function fillCounts(counts: Int32Array, maxLayers: number, minLayers: number, slope: number): number {
  let sum = 0
  for (let p = 0; p < counts.length; p++) {
    const n = Math.max(minLayers, Math.round(maxLayers - slope * p))
    counts[p] = n
    sum += n
  }
  return sum / counts.length
}
