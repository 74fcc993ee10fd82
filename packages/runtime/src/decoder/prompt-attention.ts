import { matmul, matmulTransB, softmax } from '@kv/tensor'

/** Query rows per block of the causal prompt attention. */
const ROW_BLOCK = 128

/** Scratch of the prompt's causal attention, reused across layers. */
export interface PromptAttentionBuffers {
  qHead: Float32Array
  kHead: Float32Array
  vHead: Float32Array
  scores: Float32Array
  outHead: Float32Array
}

export function promptAttentionBuffers(tokens: number, headDim: number): PromptAttentionBuffers {
  return {
    qHead: new Float32Array(tokens * headDim),
    kHead: new Float32Array(tokens * headDim),
    vHead: new Float32Array(tokens * headDim),
    scores: new Float32Array(Math.min(tokens, ROW_BLOCK) * tokens),
    outHead: new Float32Array(tokens * headDim),
  }
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
  const { qHead, kHead, vHead, scores, outHead } = buffers
  const full = onWeights ? new Float32Array(tokens * tokens) : undefined
  for (let kvHead = 0; kvHead < numKVHeads; kvHead++) {
    gatherHead(k, tokens, kvWidth, kvHead * headDim, headDim, kHead)
    gatherHead(v, tokens, kvWidth, kvHead * headDim, headDim, vHead)
    const sums = columnSums?.[kvHead]
    for (let g = 0; g < group; g++) {
      const head = kvHead * group + g
      gatherHead(q, tokens, qWidth, head * headDim, headDim, qHead)
      // Causal blocks: rows [r0, r1) only see keys [0, r1), so the upper triangle is never computed.
      for (let r0 = 0; r0 < tokens; r0 += ROW_BLOCK) {
        const r1 = Math.min(tokens, r0 + ROW_BLOCK)
        const rows = r1 - r0
        const block = scores.subarray(0, rows * r1)
        matmulTransB(
          qHead.subarray(r0 * headDim, r1 * headDim),
          kHead.subarray(0, r1 * headDim),
          block,
          rows,
          headDim,
          r1,
        )
        for (let i = 0; i < rows; i++) {
          const row = i * r1
          const visible = r0 + i + 1
          for (let j = 0; j < visible; j++) scores[row + j]! *= scale
          scores.fill(0, row + visible, row + r1)
          softmax(scores, row, visible)
          if (sums) for (let j = 0; j < visible; j++) sums[j]! += scores[row + j]!
          if (full) full.set(scores.subarray(row, row + r1), (r0 + i) * tokens)
        }
        matmul(
          block,
          vHead.subarray(0, r1 * headDim),
          outHead.subarray(r0 * headDim, r1 * headDim),
          rows,
          r1,
          headDim,
        )
      }
      if (full) onWeights!(head, full)
      for (let t = 0; t < tokens; t++) {
        out.set(outHead.subarray(t * headDim, (t + 1) * headDim), t * qWidth + head * headDim)
      }
    }
  }
}
