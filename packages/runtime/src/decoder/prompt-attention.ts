import { type PreparedMatrix, prepareMatrix, softmax } from '@kv/tensor'

/** Key counts are padded to a multiple of this, so a handful of scratch matrices serve every length. */
const PAD = 256

/** Scratch of the prompt's causal attention, reused across layers of one prompt. */
export interface PromptAttentionBuffers {
  readonly padded: number
  qHead: Float32Array
  keys: Float32Array
  valuesT: Float32Array
  scores: Float32Array
  outHead: Float32Array
}

export function promptAttentionBuffers(tokens: number, headDim: number): PromptAttentionBuffers {
  const padded = Math.ceil(tokens / PAD) * PAD
  return {
    padded,
    qHead: new Float32Array(tokens * headDim),
    keys: new Float32Array(padded * headDim),
    valuesT: new Float32Array(headDim * padded),
    scores: new Float32Array(tokens * padded),
    outHead: new Float32Array(tokens * headDim),
  }
}

/** Reusable prepared operands by shape: the arena never frees, so shapes are padded and kept. */
const scratchMatrices = new Map<string, PreparedMatrix>()

function scratchMatrix(rows: number, cols: number, data: Float32Array): PreparedMatrix {
  const key = `${rows}x${cols}`
  let matrix = scratchMatrices.get(key)
  if (!matrix) {
    matrix = prepareMatrix(data, rows, cols)
    scratchMatrices.set(key, matrix)
  } else {
    matrix.load(data)
  }
  return matrix
}

function gatherHead(
  rows: Float32Array,
  tokens: number,
  width: number,
  offset: number,
  headDim: number,
  out: Float32Array,
) {
  for (let t = 0; t < tokens; t++)
    out.set(rows.subarray(t * width + offset, t * width + offset + headDim), t * headDim)
}

/**
 * Exact causal attention over a prompt (grouped-query): `q` `[tokens, numHeads·headDim]` and `k`
 * `[tokens, numKVHeads·headDim]` already rotated, `v` `[tokens, numKVHeads·headDim]`; writes `out`
 * `[tokens, numHeads·headDim]`. When `columnSums` is given, adds to `columnSums[kvHead][j]` the attention
 * token j received from all queries of the heads sharing that KV head (H2O's accumulated score).
 *
 * Q·Kᵀ and P·V run as prepared matrix products (WebAssembly SIMD when present) over keys padded to a
 * multiple of 256; the masked upper triangle is computed and discarded, which costs less than the
 * scalar alternative saves.
 */
export function promptAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  tokens: number,
  numHeads: number,
  numKVHeads: number,
  headDim: number,
  out: Float32Array,
  buffers: PromptAttentionBuffers,
  columnSums?: Float32Array[],
  onWeights?: (head: number, weights: Float32Array) => void,
): void {
  const group = numHeads / numKVHeads
  const qWidth = numHeads * headDim
  const kvWidth = numKVHeads * headDim
  const scale = 1 / Math.sqrt(headDim)
  const { padded, qHead, keys, valuesT, scores, outHead } = buffers
  const full = onWeights ? new Float32Array(tokens * tokens) : undefined
  for (let kvHead = 0; kvHead < numKVHeads; kvHead++) {
    gatherHead(k, tokens, kvWidth, kvHead * headDim, headDim, keys)
    valuesT.fill(0)
    for (let t = 0; t < tokens; t++) {
      const row = t * kvWidth + kvHead * headDim
      for (let d = 0; d < headDim; d++) valuesT[d * padded + t] = v[row + d]!
    }
    const keyMatrix = scratchMatrix(padded, headDim, keys)
    const valueMatrix = scratchMatrix(headDim, padded, valuesT)
    const sums = columnSums?.[kvHead]
    for (let g = 0; g < group; g++) {
      const head = kvHead * group + g
      gatherHead(q, tokens, qWidth, head * headDim, headDim, qHead)
      keyMatrix.matmulTransB(qHead, tokens, scores)
      for (let i = 0; i < tokens; i++) {
        const row = i * padded
        const visible = i + 1
        for (let j = 0; j < visible; j++) scores[row + j]! *= scale
        scores.fill(0, row + visible, row + padded)
        softmax(scores, row, visible)
        if (sums) for (let j = 0; j < visible; j++) sums[j]! += scores[row + j]!
        if (full) full.set(scores.subarray(row, row + tokens), i * tokens)
      }
      if (full) onWeights!(head, full)
      valueMatrix.matmulTransB(scores, tokens, outHead)
      for (let t = 0; t < tokens; t++) {
        out.set(outHead.subarray(t * headDim, (t + 1) * headDim), t * qWidth + head * headDim)
      }
    }
  }
}
