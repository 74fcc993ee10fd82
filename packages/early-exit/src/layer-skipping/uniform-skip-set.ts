import { checkInteger, checkSpeedup } from '../shared/validate.js'

/**
 * How many of `numLayers` layers Unified Layer Skipping skips for a target `speedup`:
 * `k = round(L − L / speedup)` (JavaScript `Math.round`: halves round up, towards the faster schedule), so
 * that `L − k` layers run and the achieved speed-up `L / (L − k)` is the nearest one a whole number of
 * layers allows. Throws when k would touch the first or last layer (k > L − 2, or any k > 0 when L ≤ 2).
 *
 * @example
 * uniformSkipCount(8, 1.5) // round(8 − 5.33) = 3: 5 layers run, speed-up 1.6
 */
export function uniformSkipCount(numLayers: number, speedup: number): number {
  checkInteger('unifiedLayerSkipping', 'numLayers', numLayers, 1)
  checkSpeedup('unifiedLayerSkipping', speedup)
  const skip = Math.round(numLayers - numLayers / speedup)
  const most = Math.max(0, numLayers - 2)
  if (skip > most) {
    throw new RangeError(
      `unifiedLayerSkipping: speedup ${speedup} would skip ${skip} of ${numLayers} layers, but the first and last always run (at most ${most} can be skipped)`,
    )
  }
  return skip
}

/**
 * The layers Unified Layer Skipping (Liu et al., 2024) skips, ascending: `k = uniformSkipCount(L, speedup)`
 * layers spread evenly over the middle layers 1 … L − 2, never the first or the last. With m = L − 2 middle
 * layers, the i-th skipped one is `1 + floor((2i + 1) · m / (2k))`, the middle of the i-th of k equal
 * stretches: consecutive skipped layers are `floor(m/k)` or `ceil(m/k)` apart and the run layers left below
 * the first and above the last differ by at most one.
 *
 * @example
 * uniformSkipSet(8, 1.5) // Int32Array [2, 4, 6]: layers 0, 1, 3, 5, 7 run
 */
export function uniformSkipSet(numLayers: number, speedup: number): Int32Array {
  const skip = uniformSkipCount(numLayers, speedup)
  const middle = numLayers - 2
  const layers = new Int32Array(skip)
  for (let i = 0; i < skip; i++) layers[i] = 1 + Math.floor(((2 * i + 1) * middle) / (2 * skip))
  return layers
}
