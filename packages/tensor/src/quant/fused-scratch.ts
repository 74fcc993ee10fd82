let scratch = new Float64Array(256)

/**
 * A float64 work array of at least `size` entries, shared by the fused kernels (they never nest), so that
 * a call allocates nothing once the largest block has been seen. Contents are left over from earlier calls.
 *
 * @example
 * const qs = scratch64(cols)
 */
export function scratch64(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, 2 * scratch.length))
  return scratch
}

/**
 * `unit[j] = 2^-(bits·j)` for code slots j of a word, and 1 for the top slot: a code read in place as
 * `word & (mask << bits·j)` is `code · 2^(bits·j)`, so multiplying by `unit[j]` (exact, a power of two)
 * undoes the shift. The top slot is read as `word >>> (32 - bits)` (its masked value would not fit int32).
 *
 * @example
 * const unit = slotUnits(4) // [1, 1/16, 1/256, …, 1]
 */
export function slotUnits(bits: number): Float64Array {
  const perWord = Math.floor(32 / bits)
  const unit = new Float64Array(perWord)
  for (let j = 0; j < perWord; j++) unit[j] = j === perWord - 1 ? 1 : 2 ** (-bits * j)
  return unit
}

/**
 * For a per-token block: `ws[at + t · groups + g] = weights[offset + t] · scales[t · groups + g]` and, after
 * them, `ws[at + rows · groups + g] = Σ_t weights[offset + t] · mins[t · groups + g]`. Returns `ws`.
 *
 * @example
 * const ws = foldRowWeights(q, weights, 0, groups, scratch64(q.rows * groups + groups), 0)
 */
export function foldRowWeights(
  q: { readonly rows: number; readonly scales: Float32Array; readonly mins: Float32Array },
  weights: Float32Array,
  offset: number,
  groups: number,
  ws: Float64Array,
  at: number,
): Float64Array {
  const { rows, scales, mins } = q
  const n = at + rows * groups
  if (groups === 2) {
    // head dim 64 in groups of 32: both groups in one pass, their min sums in locals
    let m0 = 0
    let m1 = 0
    for (let t = 0, s = 0; t < rows; t++, s += 2) {
      const w = weights[offset + t]!
      ws[at + s] = w * scales[s]!
      ws[at + s + 1] = w * scales[s + 1]!
      m0 += w * mins[s]!
      m1 += w * mins[s + 1]!
    }
    ws[n] = m0
    ws[n + 1] = m1
    return ws
  }
  for (let t = 0, s = 0; t < rows; t++) {
    const w = weights[offset + t]!
    for (const end = s + groups; s < end; s++) ws[at + s] = w * scales[s]!
  }
  for (let g = 0; g < groups; g++) {
    let m = 0
    for (let t = 0, s = g; t < rows; t++, s += groups) m += weights[offset + t]! * mins[s]!
    ws[n + g] = m
  }
  return ws
}
