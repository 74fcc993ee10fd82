import { copyArray, StateReader } from '@kv/tensor'
import type { PlainState, SlotView } from '@kv/tensor/contracts'

/**
 * A layer's attention-variance score as in the D2O reference: for each head, the (unbiased) variance over
 * keys of the attention each key received during the prefill (summed over queries); min–max normalised
 * across the layer's heads (ε = 1e-6); averaged over heads. A layer whose heads all look alike scores 0.
 *
 * @example
 * layerVarianceScore([new Float64Array([3, 1, 1]), new Float64Array([2, 2, 1])]) // ≈ 0.5
 */
export function layerVarianceScore(columnSums: ReadonlyArray<ArrayLike<number>>): number {
  const H = columnSums.length
  const variances = new Float64Array(H)
  for (let h = 0; h < H; h++) {
    const sums = columnSums[h]!
    const n = sums.length
    let mean = 0
    for (let i = 0; i < n; i++) mean += sums[i]!
    mean /= Math.max(1, n)
    let ss = 0
    for (let i = 0; i < n; i++) ss += (sums[i]! - mean) ** 2
    variances[h] = n > 1 ? ss / (n - 1) : 0
  }
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of variances) {
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  let score = 0
  for (const v of variances) score += (v - lo) / (hi - lo + 1e-6)
  return score / Math.max(1, H)
}

/** Per-layer budget ratios of D2O. */
export interface D2OLayerRatios {
  /** `softmax(−score) × L × ρ` before clamping (sums to L × ρ). */
  readonly raw: Float64Array
  /** Share of the prompt each layer keeps: raw clamped to [0.01, 1]; protected layers 1 (not compressed). */
  readonly ratios: Float64Array
}

/**
 * D2O's dynamic layer allocation: layers with low attention variance (dense attention) get larger budgets.
 * `ratio_l = clamp(softmax(−score)_l × L × ρ, 0.01, 1)` with ρ = heavy + recent; protected layers
 * (negative indices count from the end) are not compressed but still take part in the softmax, as in
 * the reference.
 *
 * @example
 * d2oLayerRatios([0.2, 0.9, 0.5, 0.1], { rho: 0.2, protect: [0, 1, -1] }).ratios // [1, 1, 0.2…, 1]
 */
export function d2oLayerRatios(
  scores: ArrayLike<number>,
  options: { readonly rho: number; readonly protect: readonly number[] },
): D2OLayerRatios {
  const L = scores.length
  let max = Number.NEGATIVE_INFINITY
  for (let l = 0; l < L; l++) max = Math.max(max, -scores[l]!)
  let total = 0
  const raw = new Float64Array(L)
  for (let l = 0; l < L; l++) {
    raw[l] = Math.exp(-scores[l]! - max)
    total += raw[l]!
  }
  const ratios = new Float64Array(L)
  for (let l = 0; l < L; l++) {
    raw[l] = (raw[l]! / total) * L * options.rho
    ratios[l] = Math.min(1, Math.max(0.01, raw[l]!))
  }
  for (const p of options.protect) {
    const l = p < 0 ? L + p : p
    if (l >= 0 && l < L) ratios[l] = 1
  }
  return { raw, ratios }
}

/** Accumulates the prefill attention seen through `observe`, per layer and head, until budgets are fixed. */
export class PrefillAttention {
  private readonly heads = new Map<number, { sums: Float64Array; n: number }>()

  /** Adds one step's weights over the first `count` slots of a head. */
  add(layer: number, head: number, weights: Float32Array, count: number): void {
    const key = layer * 65536 + head
    let entry = this.heads.get(key)
    if (entry === undefined) {
      entry = { sums: new Float64Array(Math.max(16, count)), n: 0 }
      this.heads.set(key, entry)
    }
    if (entry.sums.length < count) {
      const grown = new Float64Array(Math.max(count, entry.sums.length * 2))
      grown.set(entry.sums)
      entry.sums = grown
    }
    const sums = entry.sums
    for (let i = 0; i < count; i++) sums[i] = sums[i]! + weights[i]!
    entry.n = Math.max(entry.n, count)
  }

  /** True when every layer and head of the view's shape has been observed. */
  complete(view: Pick<SlotView, 'numLayers' | 'numHeads'>): boolean {
    for (let l = 0; l < view.numLayers; l++) {
      for (let h = 0; h < view.numHeads; h++) if (!this.heads.has(l * 65536 + h)) return false
    }
    return true
  }

  /** Per-layer variance scores; throws when a layer or head was never observed. */
  layerScores(view: Pick<SlotView, 'numLayers' | 'numHeads'>): Float64Array {
    const scores = new Float64Array(view.numLayers)
    for (let l = 0; l < view.numLayers; l++) {
      const heads: Float64Array[] = []
      for (let h = 0; h < view.numHeads; h++) {
        const entry = this.heads.get(l * 65536 + h)
        if (entry === undefined) {
          throw new RangeError(
            `d2o: no prefill attention observed for layer ${l}, head ${h}; the runtime must call observe for every layer and head before the first plan`,
          )
        }
        heads.push(entry.sums.subarray(0, entry.n))
      }
      scores[l] = layerVarianceScore(heads)
    }
    return scores
  }

  clear(): void {
    this.heads.clear()
  }

  /** The sums so far, as plain data (see `Stateful`). */
  saveState(): PlainState {
    const entries = [...this.heads]
    return {
      keys: Int32Array.from(entries, ([key]) => key),
      counts: Int32Array.from(entries, ([, entry]) => entry.n),
      sums: entries.map(([, entry]) => entry.sums.slice()),
    }
  }

  loadState(state: PlainState): void {
    const read = new StateReader('d2o prefill attention', state)
    const keys = read.array('keys', Int32Array)
    const counts = read.array('counts', Int32Array)
    const sums = read.list('sums')
    if (counts.length !== keys.length || sums.length !== keys.length) {
      throw new RangeError('d2o prefill attention: saved keys, counts and sums differ in length')
    }
    const heads = Array.from(keys, (_, i) =>
      copyArray(sums[i]!, Float64Array, () => {
        throw new TypeError(`d2o prefill attention: saved sums[${i}] must be a Float64Array`)
      }),
    )
    this.heads.clear()
    keys.forEach((key, i) => {
      this.heads.set(key, { sums: heads[i]!, n: counts[i]! })
    })
  }
}
