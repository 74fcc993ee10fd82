import { keyWordOffset, readValueWords } from './encode-page.js'
import type { PageLayout } from './layout.js'
import { decodePage } from './reference.js'

/**
 * Bound on how far the `int8` kernel's output may be from exact attention over the same pages, per query
 * head of one KV head (max abs error over channels):
 *
 * - logits: the int8 query `q̂ = round(q·scale/α)`, `α = max|q·scale|/127` per key group, misses each
 *   logit by at most `E = max over tokens of (α/2)·Σ codes`; the softmax weights then move by at most
 *   `e^(2E) − 1` in total, so the output by at most that times `max |value|`;
 * - weights: each `p·valueScale` is rounded to a multiple of `σ ≤ max valueScale / 255` (p ≤ 1 in the frame
 *   of the maximum), so the sum over tokens moves by at most `σ/2 · Σ codes`, divided by the softmax sum
 *   `L ≥ e^(−2E)·Σ exp(logit − max)`;
 * - plus float32 rounding, `1e-5·max |value|` (well above what the kernel's float sums can lose here).
 *
 * `pages` are one KV head's pages in order (`encodePage` output), `query` `[queryHeads, headDim]`.
 *
 * @example
 * const bound = int8AttentionErrorBound(layout, [page0, page1], 200, query, 1 / Math.sqrt(64))
 */
export function int8AttentionErrorBound(
  layout: PageLayout,
  pages: readonly Uint32Array[],
  tokens: number,
  query: Float32Array,
  scale: number,
): Float64Array {
  const { headDim: D, pageTokens: P, groupSize: G, bits, rowWords: W, perWord } = layout
  if (layout.kind === 'f16') throw new RangeError('int8AttentionErrorBound: needs a q layout')
  const heads = query.length / D
  const maxCode = 2 ** bits - 1
  const keys = new Float64Array(tokens * D)
  const values = new Float64Array(tokens * D)
  const keyCodeSum = new Float64Array(tokens)
  const valueCodeSum = new Float64Array(D)
  let maxValueScale = 0
  let maxAbsValue = 0
  const pageFloats = pages.map((page) => new Float32Array(page.buffer, page.byteOffset, layout.pageWords))
  for (let p = 0; p * P < tokens; p++) {
    const n = Math.min(P, tokens - p * P)
    const page = pages[p]!
    const back = decodePage(layout, page, n)
    keys.set(back.keys, p * P * D)
    values.set(back.values, p * P * D)
    const vWords = readValueWords(layout, page, n)
    for (let t = 0; t < n; t++) {
      for (let d = 0; d < D; d++) {
        const code = (vWords[t * W + Math.floor(d / perWord)]! >>> ((d % perWord) * bits)) & maxCode
        valueCodeSum[d] = valueCodeSum[d]! + code
        maxAbsValue = Math.max(maxAbsValue, Math.abs(back.values[t * D + d]!))
      }
      for (let g = 0; g < D / G; g++) {
        maxValueScale = Math.max(maxValueScale, pageFloats[p]![layout.valueScales + t * (D / G) + g]!)
      }
    }
  }
  const keyCodes = (t: number, d: number): number => {
    const page = pages[Math.floor(t / P)]!
    const slot = t % P
    const word = page[layout.keyWords + keyWordOffset(layout, slot, Math.floor(d / perWord))]!
    return (word >>> ((d % perWord) * bits)) & maxCode
  }
  for (let t = 0; t < tokens; t++) {
    let sum = 0
    for (let d = 0; d < D; d++) sum += keyCodes(t, d)
    keyCodeSum[t] = sum
  }
  let maxCodeSum = 0
  for (let d = 0; d < D; d++) maxCodeSum = Math.max(maxCodeSum, valueCodeSum[d]!)
  const bound = new Float64Array(heads)
  const logits = new Float64Array(tokens)
  for (let h = 0; h < heads; h++) {
    // the int8 step α of each key group, then the largest logit error of its tokens
    let E = 0
    for (let t0 = 0; t0 < tokens; t0 += G) {
      const floats = pageFloats[Math.floor(t0 / P)]!
      const group = Math.floor((t0 % P) / G)
      let alpha = 0
      for (let d = 0; d < D; d++) {
        const keyScale = floats[layout.keyScales + group * D + d]!
        alpha = Math.max(alpha, Math.abs(query[h * D + d]! * scale * keyScale))
      }
      for (let t = t0; t < Math.min(tokens, t0 + G); t++) {
        E = Math.max(E, ((alpha / 127) * keyCodeSum[t]!) / 2)
      }
    }
    let maxLogit = Number.NEGATIVE_INFINITY
    for (let t = 0; t < tokens; t++) {
      let s = 0
      for (let d = 0; d < D; d++) s += query[h * D + d]! * keys[t * D + d]!
      logits[t] = s * scale
      maxLogit = Math.max(maxLogit, logits[t]!)
    }
    let L = 0
    for (let t = 0; t < tokens; t++) L += Math.exp(logits[t]! - maxLogit)
    const fromLogits = Math.expm1(2 * E) * maxAbsValue
    const fromWeights = ((maxValueScale / 510) * maxCodeSum) / (L * Math.exp(-2 * E))
    bound[h] = fromLogits + fromWeights + 1e-5 * maxAbsValue
  }
  return bound
}
