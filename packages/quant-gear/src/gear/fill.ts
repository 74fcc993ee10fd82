/**
 * A copy of `data` whose outlier slots (`mask`) hold the first non-outlier value of their quantization
 * group, so that removing the outliers shrinks each group's range and nothing else: GEAR's reference
 * fills with the line mean (outliers included), which can fall outside the remaining range and widen it.
 */
export function fillOutliers(
  data: Float32Array,
  tokens: number,
  headDim: number,
  axis: 'row' | 'column',
  groupSize: number,
  mask: Uint8Array,
): Float32Array {
  const filled = data.slice()
  const lines = axis === 'row' ? tokens : headDim
  const length = axis === 'row' ? headDim : tokens
  const stride = axis === 'row' ? 1 : headDim
  const lineStep = axis === 'row' ? headDim : 1
  for (let l = 0; l < lines; l++) {
    for (let g0 = 0; g0 < length; g0 += groupSize) {
      const g1 = Math.min(length, g0 + groupSize)
      let fill = 0
      for (let p = g0; p < g1; p++) {
        const i = l * lineStep + p * stride
        if (mask[i] === 0) {
          fill = data[i]!
          break
        }
      }
      for (let p = g0; p < g1; p++) {
        const i = l * lineStep + p * stride
        if (mask[i] === 1) filled[i] = fill
      }
    }
  }
  return filled
}

/** Σ (data − approx)² over the slots not in `mask` (outliers are restored exactly), in float64. */
export function squaredError(data: Float32Array, approx: Float32Array, mask: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < data.length; i++) {
    if (mask[i] === 1) continue
    const d = data[i]! - approx[i]!
    sum += d * d
  }
  return sum
}
