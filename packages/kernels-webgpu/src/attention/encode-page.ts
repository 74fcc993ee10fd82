import { f32ArrayToF16, quantizeAffine } from '@kv/tensor'
import type { PageLayout } from './layout.js'

/**
 * Encodes `tokens` (≤ pageTokens) rows of keys and values of one head (`[tokens, headDim]` float32 each)
 * into `out` (`pageWords` u32) in the page layout. q kinds quantize with `@kv/tensor`'s `quantizeAffine`
 * (the same codes and scales the GPU quantizer produces); a partial page quantizes the rows it has.
 *
 * @example
 * const page = new Uint32Array(layout.pageWords)
 * encodePage(layout, keys, values, 100, page)
 */
export function encodePage(
  layout: PageLayout,
  keys: Float32Array,
  values: Float32Array,
  tokens: number,
  out: Uint32Array,
): void {
  const { headDim: D, pageTokens: P, rowWords: W } = layout
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > P) {
    throw new RangeError(`encodePage: tokens must be in 1..${P}, got ${tokens}`)
  }
  if (keys.length < tokens * D || values.length < tokens * D) {
    throw new RangeError(
      `encodePage: keys/values hold ${keys.length}/${values.length} floats, need ${tokens * D}`,
    )
  }
  if (out.length < layout.pageWords)
    throw new RangeError(`encodePage: out holds ${out.length} words, need ${layout.pageWords}`)
  out.fill(0, 0, layout.pageWords)
  let kWords: Uint32Array
  let vWords: Uint32Array
  if (layout.kind === 'f16') {
    kWords = halves(f32ArrayToF16(keys.subarray(0, tokens * D)))
    vWords = halves(f32ArrayToF16(values.subarray(0, tokens * D)))
  } else {
    const g = layout.groupSize
    const qk = quantizeAffine(keys.subarray(0, tokens * D), tokens, D, {
      bits: layout.bits,
      groupSize: g,
      axis: 'column',
    })
    const qv = quantizeAffine(values.subarray(0, tokens * D), tokens, D, {
      bits: layout.bits,
      groupSize: g,
      axis: 'row',
    })
    kWords = qk.codes
    vWords = qv.codes
    out.set(new Uint32Array(qk.scales.buffer, qk.scales.byteOffset, qk.scales.length), layout.keyScales)
    out.set(new Uint32Array(qk.mins.buffer, qk.mins.byteOffset, qk.mins.length), layout.keyMins)
    out.set(new Uint32Array(qv.scales.buffer, qv.scales.byteOffset, qv.scales.length), layout.valueScales)
    out.set(new Uint32Array(qv.mins.buffer, qv.mins.byteOffset, qv.mins.length), layout.valueMins)
  }
  for (let t = 0; t < tokens; t++) {
    for (let w = 0; w < W; w++) out[layout.keyWords + keyWordOffset(layout, t, w)] = kWords[t * W + w]!
  }
  if (layout.arithmetic === 'int8') writeValueQuads(layout, vWords, tokens, out)
  else out.set(vWords.subarray(0, tokens * W), layout.valueWords)
}

/** Where token `t`'s key word `w` sits in the key region of a page. */
export function keyWordOffset(layout: PageLayout, t: number, w: number): number {
  const P = layout.pageTokens
  return layout.arithmetic === 'int8' ? ((w >> 2) * P + t) * 4 + (w & 3) : w * P + t
}

/**
 * The `int8` value order: per token quad and row word, 4 words whose bytes are the 4 × 4 byte transpose of
 * the 4 tokens' words (absent tokens of a partial quad read as zero bytes).
 */
function writeValueQuads(layout: PageLayout, vWords: Uint32Array, tokens: number, out: Uint32Array): void {
  const W = layout.rowWords
  for (let quad = 0; quad < Math.ceil(tokens / 4); quad++) {
    for (let k = 0; k < W; k++) {
      for (let m = 0; m < 4; m++) {
        let word = 0
        for (let b = 0; b < 4; b++) {
          const t = quad * 4 + b
          const byte = t < tokens ? (vWords[t * W + k]! >>> (8 * m)) & 0xff : 0
          word |= byte << (8 * b)
        }
        out[layout.valueWords + (quad * W + k) * 4 + m] = word >>> 0
      }
    }
  }
}

/** Token-major value words `[tokens][rowWords]` of a page, whatever its order. */
export function readValueWords(layout: PageLayout, page: Uint32Array, tokens: number): Uint32Array {
  const W = layout.rowWords
  if (layout.arithmetic !== 'int8') return page.slice(layout.valueWords, layout.valueWords + tokens * W)
  const words = new Uint32Array(tokens * W)
  for (let t = 0; t < tokens; t++) {
    const quad = t >> 2
    const b = t & 3
    for (let k = 0; k < W; k++) {
      let word = 0
      for (let m = 0; m < 4; m++) {
        const byte = (page[layout.valueWords + (quad * W + k) * 4 + m]! >>> (8 * b)) & 0xff
        word |= byte << (8 * m)
      }
      words[t * W + k] = word >>> 0
    }
  }
  return words
}

function halves(h: Uint16Array): Uint32Array {
  return new Uint32Array(h.buffer, h.byteOffset, h.length >> 1)
}
