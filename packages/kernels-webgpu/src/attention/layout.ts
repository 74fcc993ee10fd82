/** How keys and values are stored in the paged GPU cache. */
export type CacheKind = 'f16' | 'q4' | 'q2'

/** Word offsets inside one page (one KV head of one sequence, `pageTokens` tokens). */
export interface PageLayout {
  readonly kind: CacheKind
  readonly headDim: number
  readonly pageTokens: number
  /** Key groups run over tokens (per channel), value groups over channels (per token); q kinds only. */
  readonly groupSize: number
  /** Bits per code (16 for f16). */
  readonly bits: number
  /** Elements per 32-bit word: 2 halves, 8 4-bit or 16 2-bit codes. */
  readonly perWord: number
  /** Words per token row of keys or values. */
  readonly rowWords: number
  /** Key words, word-major `[rowWords][pageTokens]` so that one thread per token reads coalesced. */
  readonly keyWords: number
  /** Key scales then key mins, `[pageTokens / groupSize][headDim]` float32 each (q kinds). */
  readonly keyScales: number
  readonly keyMins: number
  /** Value words, token-major `[pageTokens][rowWords]` (the CPU block layout). */
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
): PageLayout {
  const where = 'pageLayout'
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
  const kw = rowWords * pageTokens
  if (kind === 'f16') {
    return {
      kind,
      headDim,
      pageTokens,
      groupSize,
      bits,
      perWord,
      rowWords,
      keyWords: 0,
      keyScales: kw,
      keyMins: kw,
      valueWords: kw,
      valueScales: 2 * kw,
      valueMins: 2 * kw,
      pageWords: 2 * kw,
    }
  }
  const ks = kw
  const km = ks + (pageTokens / groupSize) * headDim
  const vw = km + (pageTokens / groupSize) * headDim
  const vs = vw + kw
  const vm = vs + pageTokens * (headDim / groupSize)
  return {
    kind,
    headDim,
    pageTokens,
    groupSize,
    bits,
    perWord,
    rowWords,
    keyWords: 0,
    keyScales: ks,
    keyMins: km,
    valueWords: vw,
    valueScales: vs,
    valueMins: vm,
    pageWords: vm + pageTokens * (headDim / groupSize),
  }
}
