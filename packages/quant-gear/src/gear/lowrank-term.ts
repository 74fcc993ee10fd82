import { lowRankApprox, Rng } from '@kv/tensor'

/** `a ≈ left · rightᵀ` with `left` `[tokens, rank]` (the token side) and `right` `[headDim, rank]`. */
export interface LowRankTerm {
  readonly rank: number
  readonly left: Float32Array
  readonly right: Float32Array
}

/** No low-rank term. */
export const NO_LOW_RANK: LowRankTerm = { rank: 0, left: new Float32Array(0), right: new Float32Array(0) }

/**
 * Rank-`rank` approximation of the residual `[tokens, headDim]` by randomized power iteration (GEAR's
 * `fake_poweriteration_group`, per head over the block), capped at `min(tokens, headDim)`; none for a zero
 * residual. The random start is seeded per block so that encoding repeats.
 */
export function approximateResidual(
  residual: Float32Array,
  tokens: number,
  headDim: number,
  rank: number,
  iterations: number,
  seed: number,
): LowRankTerm {
  const r = Math.min(rank, tokens, headDim)
  if (r === 0) return NO_LOW_RANK
  let energy = 0
  for (let i = 0; i < residual.length; i++) energy += residual[i]! * residual[i]!
  if (energy === 0) return NO_LOW_RANK
  const { left, right } = lowRankApprox(residual, tokens, headDim, r, { iterations, rng: new Rng(seed) })
  return { rank: r, left, right }
}

/** `out[t · headDim + c] += Σ_k left[t, k] · right[c, k]`. */
export function addLowRank(term: LowRankTerm, tokens: number, headDim: number, out: Float32Array): void {
  const { rank, left, right } = term
  if (rank === 0) return
  for (let t = 0; t < tokens; t++) {
    for (let c = 0; c < headDim; c++) {
      let sum = 0
      for (let k = 0; k < rank; k++) sum += left[t * rank + k]! * right[c * rank + k]!
      out[t * headDim + c]! += sum
    }
  }
}

/** Element (t, c) of the low-rank term. */
export function lowRankAt(term: LowRankTerm, t: number, c: number): number {
  let sum = 0
  for (let k = 0; k < term.rank; k++) sum += term.left[t * term.rank + k]! * term.right[c * term.rank + k]!
  return sum
}

let scratch = new Float64Array(0)

/** `out[outOffset + t] += left[t] · (rightᵀ · query)`: r·(tokens + headDim) multiply-adds. */
export function dotLowRank(
  term: LowRankTerm,
  tokens: number,
  headDim: number,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { rank, left, right } = term
  if (rank === 0) return
  if (scratch.length < rank) scratch = new Float64Array(rank)
  scratch.fill(0, 0, rank)
  for (let c = 0; c < headDim; c++)
    for (let k = 0; k < rank; k++) scratch[k]! += right[c * rank + k]! * query[c]!
  for (let t = 0; t < tokens; t++) {
    let sum = 0
    for (let k = 0; k < rank; k++) sum += left[t * rank + k]! * scratch[k]!
    out[outOffset + t]! += sum
  }
}

/** `out[c] += right[c] · (leftᵀ · weights)`. */
export function accumulateLowRank(
  term: LowRankTerm,
  tokens: number,
  headDim: number,
  weights: Float32Array,
  weightOffset: number,
  out: Float32Array,
): void {
  const { rank, left, right } = term
  if (rank === 0) return
  if (scratch.length < rank) scratch = new Float64Array(rank)
  scratch.fill(0, 0, rank)
  for (let t = 0; t < tokens; t++) {
    const w = weights[weightOffset + t]!
    for (let k = 0; k < rank; k++) scratch[k]! += left[t * rank + k]! * w
  }
  for (let c = 0; c < headDim; c++) {
    let sum = 0
    for (let k = 0; k < rank; k++) sum += right[c * rank + k]! * scratch[k]!
    out[c]! += sum
  }
}

/** The token rows `keep` of the term (the channel factor is shared). */
export function selectLowRank(term: LowRankTerm, keep: Int32Array): LowRankTerm {
  if (term.rank === 0) return term
  const left = new Float32Array(keep.length * term.rank)
  for (let i = 0; i < keep.length; i++) {
    left.set(term.left.subarray(keep[i]! * term.rank, (keep[i]! + 1) * term.rank), i * term.rank)
  }
  return { rank: term.rank, left, right: term.right }
}
