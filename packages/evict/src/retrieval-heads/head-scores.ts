import { checkKnownKeys } from '../shared/validate.js'

/**
 * Per-layer, per-KV-head retrieval scores measured on calibration text: `echo[l][h]` is the mean attention
 * a query gives to earlier occurrences of its own token, `induction[l][h]` the mean attention it gives to
 * the tokens that followed those occurrences. Serialised as a small JSON artefact.
 */
export interface HeadScores {
  /** Model the scores were measured on (free text, e.g. the checkpoint name). */
  readonly model: string
  readonly numLayers: number
  readonly numKVHeads: number
  readonly echo: number[][]
  readonly induction: number[][]
}

/** How the scores of the query heads that share a KV head are combined. */
export type HeadAggregate = 'max' | 'mean'

/** Shape of the model the attention maps come from. */
export interface HeadScoreOptions {
  readonly numLayers: number
  readonly numQueryHeads: number
  readonly numKVHeads: number
  /** Combining the query heads of a group (GQA). Default `max`: one retrieving query head needs the KV. */
  readonly aggregate?: HeadAggregate
  /** Written into the artefact. Default ''. */
  readonly model?: string
}

/**
 * For each position, the earlier positions holding the same token, in CSR form (`start[i]..start[i+1]`
 * into `list`). O(T + pairs) memory.
 */
function previousOccurrences(tokens: Int32Array): { start: Int32Array; list: Int32Array } {
  const seen = new Map<number, number[]>()
  const start = new Int32Array(tokens.length + 1)
  const list: number[] = []
  for (let i = 0; i < tokens.length; i++) {
    start[i] = list.length
    const token = tokens[i]!
    const earlier = seen.get(token)
    if (earlier === undefined) seen.set(token, [i])
    else {
      for (const j of earlier) list.push(j)
      earlier.push(i)
    }
  }
  start[tokens.length] = list.length
  return { start, list: Int32Array.from(list) }
}

/**
 * Echo and induction scores of every head from causal attention maps over `tokens` (a sequence with a
 * repeated segment, see `makeCalibrationSequence`). For a query i whose token occurred before at j:
 * echo adds `A[i, j]`, induction adds `A[i, j + 1]` (when `j + 1 < i`); each head's score is the mean over
 * the queries that have such a j. Query-head scores are aggregated per KV head (max by default;
 * query head q belongs to KV head `floor(q / (numQueryHeads / numKVHeads))`, as Hugging Face `repeat_kv`).
 *
 * @example
 * const tokens = makeCalibrationSequence(heldOut, { spanLength: 256 })
 * const scores = retrievalHeadScores((l, q) => attentionMap(l, q), tokens, { numLayers: 8, numQueryHeads: 8, numKVHeads: 2 })
 * scores.induction[3] // per KV head of layer 3
 */
export function retrievalHeadScores(
  attention: (layer: number, queryHead: number) => Float32Array,
  tokens: Int32Array,
  options: HeadScoreOptions,
): HeadScores {
  checkKnownKeys('retrievalHeadScores', options, [
    'numLayers',
    'numQueryHeads',
    'numKVHeads',
    'aggregate',
    'model',
  ])
  const { numLayers, numQueryHeads, numKVHeads } = options
  for (const [name, value] of Object.entries({ numLayers, numQueryHeads, numKVHeads })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`retrievalHeadScores: ${name} must be a positive integer, got ${value}`)
    }
  }
  if (numQueryHeads % numKVHeads !== 0) {
    throw new RangeError(
      `retrievalHeadScores: numQueryHeads (${numQueryHeads}) must be a multiple of numKVHeads (${numKVHeads})`,
    )
  }
  const aggregate = options.aggregate ?? 'max'
  if (aggregate !== 'max' && aggregate !== 'mean') {
    throw new RangeError(`retrievalHeadScores: aggregate must be 'max' or 'mean', got ${String(aggregate)}`)
  }
  const T = tokens.length
  const { start, list } = previousOccurrences(tokens)
  let echoQueries = 0
  let inductionQueries = 0
  for (let i = 0; i < T; i++) {
    if (start[i + 1]! > start[i]!) echoQueries++
    for (let p = start[i]!; p < start[i + 1]!; p++) {
      if (list[p]! + 1 < i) {
        inductionQueries++
        break
      }
    }
  }
  if (echoQueries === 0 || inductionQueries === 0) {
    throw new RangeError(
      'retrievalHeadScores: tokens has no repeated token (with a successor) to score against; build it with makeCalibrationSequence',
    )
  }
  const group = numQueryHeads / numKVHeads
  const echo: number[][] = []
  const induction: number[][] = []
  for (let layer = 0; layer < numLayers; layer++) {
    const echoRow = new Array<number>(numKVHeads).fill(aggregate === 'max' ? Number.NEGATIVE_INFINITY : 0)
    const inductionRow = echoRow.slice()
    for (let q = 0; q < numQueryHeads; q++) {
      const map = attention(layer, q)
      if (map.length !== T * T) {
        throw new RangeError(
          `retrievalHeadScores: attention(${layer}, ${q}) must have ${T}×${T} = ${T * T} entries, got ${map.length}`,
        )
      }
      let echoSum = 0
      let inductionSum = 0
      for (let i = 0; i < T; i++) {
        const row = i * T
        let e = 0
        let n = 0
        for (let p = start[i]!; p < start[i + 1]!; p++) {
          const j = list[p]!
          e += map[row + j]!
          if (j + 1 < i) n += map[row + j + 1]!
        }
        echoSum += e
        inductionSum += n
      }
      const kv = Math.floor(q / group)
      const e = echoSum / echoQueries
      const n = inductionSum / inductionQueries
      if (aggregate === 'max') {
        echoRow[kv] = Math.max(echoRow[kv]!, e)
        inductionRow[kv] = Math.max(inductionRow[kv]!, n)
      } else {
        echoRow[kv] = echoRow[kv]! + e / group
        inductionRow[kv] = inductionRow[kv]! + n / group
      }
    }
    echo.push(echoRow)
    induction.push(inductionRow)
  }
  return { model: options.model ?? '', numLayers, numKVHeads, echo, induction }
}
