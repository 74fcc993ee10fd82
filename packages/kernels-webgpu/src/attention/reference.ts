import { dequantizeAffine, f16ArrayToF32 } from '@kv/tensor'
import { keyWordOffset, readValueWords } from './encode-page.js'
import type { PageLayout } from './layout.js'

/** Shape of a decode-attention problem for one sequence. */
export interface AttentionShape {
  readonly headDim: number
  readonly kvHeads: number
  readonly queryHeadsPerKv: number
  /** Softmax scale (default `1 / sqrt(headDim)`). */
  readonly scale?: number
}

/**
 * CPU reference of decode attention for one sequence, in float64: `query` `[kvHeads · qpk, headDim]`,
 * `keys`/`values` `[tokens, kvHeads, headDim]`; query head `h · qpk + j` reads KV head `h` (grouped-query
 * attention as Hugging Face's `repeat_kv`). Returns the output `[qHeads, headDim]`, the log-sum-exp per
 * head and the attention weights `[qHeads, tokens]`.
 *
 * @example
 * const { output } = decodeAttentionReference(q, k, v, 100, { headDim: 64, kvHeads: 2, queryHeadsPerKv: 4 })
 */
export function decodeAttentionReference(
  query: Float32Array,
  keys: Float32Array,
  values: Float32Array,
  tokens: number,
  shape: AttentionShape,
): { output: Float32Array; lse: Float32Array; weights: Float32Array } {
  const { headDim: D, kvHeads: H, queryHeadsPerKv: G } = shape
  const scale = shape.scale ?? 1 / Math.sqrt(D)
  const qHeads = H * G
  if (query.length !== qHeads * D)
    throw new RangeError(`decodeAttentionReference: query has ${query.length} floats, expected ${qHeads * D}`)
  if (keys.length < tokens * H * D || values.length < tokens * H * D) {
    throw new RangeError(
      `decodeAttentionReference: keys/values shorter than ${tokens} tokens × ${H} heads × ${D}`,
    )
  }
  const output = new Float32Array(qHeads * D)
  const lse = new Float32Array(qHeads)
  const weights = new Float32Array(qHeads * tokens)
  const logits = new Float64Array(tokens)
  const acc = new Float64Array(D)
  for (let qh = 0; qh < qHeads; qh++) {
    const h = Math.floor(qh / G)
    let max = Number.NEGATIVE_INFINITY
    for (let t = 0; t < tokens; t++) {
      let s = 0
      const k = (t * H + h) * D
      for (let c = 0; c < D; c++) s += query[qh * D + c]! * keys[k + c]!
      logits[t] = s * scale
      if (logits[t]! > max) max = logits[t]!
    }
    let sum = 0
    for (let t = 0; t < tokens; t++) sum += Math.exp(logits[t]! - max)
    acc.fill(0)
    for (let t = 0; t < tokens; t++) {
      const p = Math.exp(logits[t]! - max) / sum
      weights[qh * tokens + t] = p
      const o = (t * H + h) * D
      for (let c = 0; c < D; c++) acc[c] = acc[c]! + p * values[o + c]!
    }
    for (let c = 0; c < D; c++) output[qh * D + c] = acc[c]!
    lse[qh] = max + Math.log(sum)
  }
  return { output, lse, weights }
}

/**
 * Decodes one page (as written by `encodePage`) back to float32 `[tokens, headDim]` keys and values: what
 * the fused kernel sees, so the reference and the kernel attend over identical numbers.
 *
 * @example
 * const { keys, values } = decodePage(layout, page, 100)
 */
export function decodePage(
  layout: PageLayout,
  page: Uint32Array,
  tokens: number,
): { keys: Float32Array; values: Float32Array } {
  const { headDim: D, rowWords: W } = layout
  const kWords = new Uint32Array(tokens * W)
  for (let t = 0; t < tokens; t++)
    for (let w = 0; w < W; w++) kWords[t * W + w] = page[layout.keyWords + keyWordOffset(layout, t, w)]!
  const vWords = readValueWords(layout, page, tokens)
  if (layout.kind === 'f16') {
    return {
      keys: f16ArrayToF32(new Uint16Array(kWords.buffer)),
      values: f16ArrayToF32(new Uint16Array(vWords.buffer)),
    }
  }
  const f = (offset: number, n: number) => new Float32Array(page.slice(offset, offset + n).buffer)
  const g = layout.groupSize
  const kGroups = Math.ceil(tokens / g) * D
  const vGroups = tokens * (D / g)
  const common = { rows: tokens, cols: D, bits: layout.bits, groupSize: g }
  const keys = dequantizeAffine({
    ...common,
    axis: 'column',
    codes: kWords,
    scales: f(layout.keyScales, kGroups),
    mins: f(layout.keyMins, kGroups),
  })
  const values = dequantizeAffine({
    ...common,
    axis: 'row',
    codes: vWords,
    scales: f(layout.valueScales, vGroups),
    mins: f(layout.valueMins, vGroups),
  })
  return { keys, values }
}
