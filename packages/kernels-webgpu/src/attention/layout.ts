/** How keys and values are stored in the paged GPU cache. */
export type CacheKind = 'f16' | 'q4' | 'q2'

/**
 * The arithmetic of the fused attention kernel, which fixes the word order inside q pages:
 * `float32` (default) turns every code into a float and multiplies in float32; `int8` multiplies packed
 * codes by an 8-bit query and 8-bit attention weights with 4-way integer dot products (`dot4I8Packed`,
 * `dot4U8Packed`), about 4× less arithmetic, within the error bound of `int8AttentionErrorBound`.
 */
export type AttentionArithmetic = 'float32' | 'int8'

/** Word offsets inside one page (one KV head of one sequence, `pageTokens` tokens). */
export interface PageLayout {
  readonly kind: CacheKind
  readonly headDim: number
  readonly pageTokens: number
  /** Key groups run over tokens (per channel), value groups over channels (per token); q kinds only. */
  readonly groupSize: number
  /** Which kernel reads the page (q kinds: `int8` pages order their words for 16-byte loads and dot4). */
  readonly arithmetic: AttentionArithmetic
  /** Bits per code (16 for f16). */
  readonly bits: number
  /** Elements per 32-bit word: 2 halves, 8 4-bit or 16 2-bit codes. */
  readonly perWord: number
  /** Words per token row of keys or values. */
  readonly rowWords: number
  /**
   * Key words: `float32` word-major `[rowWords][pageTokens]`, so that one thread per token reads coalesced;
   * `int8` `[rowWords/4][pageTokens][4]`, one 16-byte load per thread.
   */
  readonly keyWords: number
  /** Key scales then key mins, `[pageTokens / groupSize][headDim]` float32 each (q kinds). */
  readonly keyScales: number
  readonly keyMins: number
  /**
   * Value words: `float32` token-major `[pageTokens][rowWords]` (the CPU block layout); `int8`
   * `[pageTokens/4][rowWords][4]` with the bytes of each 4 × 4 block transposed: word `m` of (token quad,
   * word `k`) holds in byte `b` the byte `m` of token `4·quad + b`'s word `k`, so one `dot4U8Packed` sums a
   * channel over 4 tokens.
   */
  readonly valueWords: number
  /** Value scales then mins, `[pageTokens][headDim / groupSize]` float32 each (q kinds). */
  readonly valueScales: number
  readonly valueMins: number
  /** Words of one page. */
  readonly pageWords: number
}

const BITS: Record<CacheKind, number> = { f16: 16, q4: 4, q2: 2 }

/**
 * The page layout of a cache kind. Keys of a q page are `@kv/tensor`'s `quantizeAffine` of the
 * `[tokens, headDim]` block with `axis: 'column'` (KIVI: per channel over tokens) with the code words
 * transposed to word-major; values are its `axis: 'row'` block (per token over channels) unchanged.
 *
 * @example
 * pageLayout('q4', 128, 128, 32).pageWords // words per page of 128 tokens
 */
export function pageLayout(
  kind: CacheKind,
  headDim: number,
  pageTokens: number,
  groupSize: number,
  arithmetic: AttentionArithmetic = 'float32',
): PageLayout {
  const where = 'pageLayout'
  if (arithmetic !== 'float32' && arithmetic !== 'int8') {
    throw new RangeError(`${where}: arithmetic must be 'float32' or 'int8', got ${String(arithmetic)}`)
  }
  if (arithmetic === 'int8' && kind === 'f16') {
    throw new RangeError(`${where}: arithmetic 'int8' needs a q kind (q4, q2); f16 pages use float32`)
  }
  const bits = BITS[kind]
  if (bits === undefined)
    throw new RangeError(`${where}: kind must be 'f16', 'q4' or 'q2', got ${String(kind)}`)
  if (![32, 64, 128, 256].includes(pageTokens)) {
    throw new RangeError(`${where}: pageTokens must be 32, 64, 128 or 256, got ${pageTokens}`)
  }
  const perWord = 32 / bits
  if (!Number.isInteger(headDim) || headDim < perWord || headDim % perWord !== 0 || headDim > 512) {
    throw new RangeError(
      `${where}: headDim must be a multiple of ${perWord} up to 512 for ${kind}, got ${headDim}`,
    )
  }
  const rowWords = headDim / perWord
  if (pageTokens % rowWords !== 0 && rowWords % pageTokens !== 0) {
    throw new RangeError(
      `${where}: headDim ${headDim} gives ${rowWords} words per row, which must divide pageTokens ${pageTokens}`,
    )
  }
  if (kind !== 'f16') {
    const okGroup =
      Number.isInteger(groupSize) &&
      groupSize > 0 &&
      pageTokens % groupSize === 0 &&
      headDim % groupSize === 0 &&
      groupSize % perWord === 0
    if (!okGroup) {
      throw new RangeError(
        `${where}: groupSize must divide pageTokens ${pageTokens} and headDim ${headDim} and be a multiple of ${perWord}, got ${groupSize}`,
      )
    }
  }
  if (arithmetic === 'int8' && rowWords % 4 !== 0) {
    throw new RangeError(
      `${where}: arithmetic 'int8' needs headDim / ${perWord} (words per row) to be a multiple of 4, got ${rowWords} for headDim ${headDim}`,
    )
  }
  const kw = rowWords * pageTokens
  // q kinds keep float32 scales and mins per key group (per channel) and per value group (per token)
  const keyGroupWords = kind === 'f16' ? 0 : (pageTokens / groupSize) * headDim
  const valueGroupWords = kind === 'f16' ? 0 : pageTokens * (headDim / groupSize)
  const ks = kw
  const km = ks + keyGroupWords
  const vw = km + keyGroupWords
  const vs = vw + kw
  const vm = vs + valueGroupWords
  return {
    kind,
    headDim,
    pageTokens,
    groupSize,
    arithmetic,
    bits,
    perWord,
    rowWords,
    keyWords: 0,
    keyScales: ks,
    keyMins: km,
    valueWords: vw,
    valueScales: vs,
    valueMins: vm,
    pageWords: vm + valueGroupWords,
  }
}
