import type { KVRole } from '@kv/tensor/contracts'

/**
 * Sparse outliers kept exactly. Values (`row` lines): each token's largest and smallest entries; keys
 * (`column` lines): each channel's largest and smallest entries over the block's tokens, as GEAR's
 * reference picks them. `index` is the position along the line (channel of a token line, token of a
 * channel line); line `l` owns entries `[lineStart(l), lineStart(l + 1))`: `l · perLine` while regular,
 * `lineStarts[l]` once `select` has dropped tokens from channel lines.
 */
export interface Outliers {
  readonly axis: 'row' | 'column'
  readonly perLine: number
  readonly lineStarts: Uint32Array | null
  readonly index: Uint8Array | Uint16Array
  readonly values: Float32Array
}

/** Outliers per side of a line of `length` elements: `ceil(fraction · length / 2)`, 0 when fraction is 0. */
export function outliersPerSide(fraction: number, length: number): number {
  return Math.min(Math.ceil((fraction * length) / 2), Math.floor(length / 2))
}

/** An index array for positions below `extent`: one byte each when `extent ≤ 256`. */
export function indexArray(count: number, extent: number): Uint8Array | Uint16Array {
  return extent <= 256 ? new Uint8Array(count) : new Uint16Array(count)
}

/**
 * Picks, on every line of a `[tokens, headDim]` block, the `perSide` largest and `perSide` smallest
 * entries (ties: lowest position first) and marks them in `mask`.
 */
export function pickOutliers(
  data: Float32Array,
  tokens: number,
  headDim: number,
  role: KVRole,
  perSide: number,
  mask: Uint8Array,
): Outliers {
  const axis = role === 'key' ? 'column' : 'row'
  const lines = axis === 'row' ? tokens : headDim
  const length = axis === 'row' ? headDim : tokens
  const stride = axis === 'row' ? 1 : headDim
  const lineStep = axis === 'row' ? headDim : 1
  const perLine = 2 * perSide
  const index = indexArray(lines * perLine, length)
  const values = new Float32Array(lines * perLine)
  let e = 0
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep
    for (let side = 0; side < 2; side++) {
      for (let k = 0; k < perSide; k++) {
        let best = -1
        let bestValue = 0
        for (let p = 0, i = base; p < length; p++, i += stride) {
          if (mask[i] === 1) continue
          const x = data[i]!
          if (best < 0 || (side === 0 ? x > bestValue : x < bestValue)) {
            best = p
            bestValue = x
          }
        }
        mask[base + best * stride] = 1
        index[e] = best
        values[e++] = bestValue
      }
    }
  }
  return { axis, perLine, lineStarts: null, index, values }
}

/** First entry of line `l`. */
export function lineStart(o: Outliers, l: number): number {
  return o.lineStarts === null ? l * o.perLine : o.lineStarts[l]!
}

/** Calls `visit(token, channel, value)` for every outlier. */
export function forEachOutlier(
  o: Outliers,
  lines: number,
  visit: (t: number, c: number, v: number) => void,
): void {
  for (let l = 0; l < lines; l++) {
    const end = lineStart(o, l + 1)
    for (let e = lineStart(o, l); e < end; e++) {
      if (o.axis === 'row') visit(l, o.index[e]!, o.values[e]!)
      else visit(o.index[e]!, l, o.values[e]!)
    }
  }
}

/** The outliers of the tokens `keep` (ascending), positions renumbered. */
export function selectOutliers(o: Outliers, tokens: number, headDim: number, keep: Int32Array): Outliers {
  if (o.axis === 'row') {
    const index = indexArray(keep.length * o.perLine, headDim)
    const values = new Float32Array(keep.length * o.perLine)
    for (let i = 0; i < keep.length; i++) {
      const from = keep[i]! * o.perLine
      index.set(o.index.subarray(from, from + o.perLine), i * o.perLine)
      values.set(o.values.subarray(from, from + o.perLine), i * o.perLine)
    }
    return { ...o, index, values }
  }
  const newRow = new Int32Array(tokens).fill(-1)
  for (let i = 0; i < keep.length; i++) newRow[keep[i]!] = i
  const lineStarts = new Uint32Array(headDim + 1)
  let count = 0
  for (let l = 0; l < headDim; l++) {
    lineStarts[l] = count
    for (let e = lineStart(o, l), end = lineStart(o, l + 1); e < end; e++)
      if (newRow[o.index[e]!]! >= 0) count++
  }
  lineStarts[headDim] = count
  const index = indexArray(count, keep.length)
  const values = new Float32Array(count)
  let e2 = 0
  for (let l = 0; l < headDim; l++) {
    for (let e = lineStart(o, l), end = lineStart(o, l + 1); e < end; e++) {
      const row = newRow[o.index[e]!]!
      if (row < 0) continue
      index[e2] = row
      values[e2++] = o.values[e]!
    }
  }
  return { ...o, lineStarts, index, values }
}

/**
 * Logical bytes: float32 values, 1- or 2-byte positions, and, once irregular, one 16-bit count per
 * channel line (a block never holds more than 65535 outliers per channel).
 */
export function outlierBytes(o: Outliers): number {
  return (
    o.values.byteLength + o.index.byteLength + (o.lineStarts === null ? 0 : 2 * (o.lineStarts.length - 1))
  )
}

/** Bytes of the typed arrays held. */
export function outlierPhysicalBytes(o: Outliers): number {
  return o.values.byteLength + o.index.byteLength + (o.lineStarts?.byteLength ?? 0)
}
