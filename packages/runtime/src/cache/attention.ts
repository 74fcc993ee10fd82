import { applyRope, dot, softmax } from '@kv/tensor'
import type { KVCodec } from '@kv/tensor/contracts'
import type { HeadStore } from './head-store.js'

/** How keys are positioned: as stored (`original`) or re-assigned to slot indices (`compact`). */
export type PositionMode = 'original' | 'compact'

/** Scratch buffers of one attention call, reused across steps. */
export class AttentionScratch {
  scores = new Float32Array(0)
  rotated = new Float32Array(0)
  blockScores = new Float32Array(0)

  ensure(scores: number, headDim: number, blockRows: number): void {
    if (this.scores.length < scores) this.scores = new Float32Array(Math.max(scores, this.scores.length * 2))
    if (this.rotated.length < headDim) this.rotated = new Float32Array(headDim)
    if (this.blockScores.length < blockRows)
      this.blockScores = new Float32Array(Math.max(blockRows, this.blockScores.length * 2))
  }
}

export interface AttendRequest {
  readonly store: HeadStore
  readonly codec: KVCodec | undefined
  /** Pre-RoPE queries of the query heads sharing this KV head, `[group, headDim]`. */
  readonly queries: Float32Array
  readonly group: number
  readonly invFreq: Float32Array
  /** Original position of the token being decoded (it is already the last slot). */
  readonly position: number
  readonly positionMode: PositionMode
  readonly massBias: boolean
  /** Output `[group, headDim]` (overwritten). */
  readonly out: Float32Array
  /** Attention summed over the group, per slot (overwritten), or undefined when nobody reads it. */
  readonly weightsSum: Float32Array | undefined
  readonly scratch: AttentionScratch
}

/**
 * Decode-step attention of one KV head and its query heads over every slot the head holds. Keys are
 * stored rotated at their original positions; the query is rotated once per run of slots that share the
 * same offset between stored and effective position, so re-assigned positions (StreamingLLM) cost one
 * rotation per run instead of re-rotating keys. Encoded blocks are read through the codec's fused
 * dequantize-dot and dequantize-accumulate when it has them.
 */
export function attendHead(request: AttendRequest): void {
  const { store, codec, queries, group, invFreq, positionMode, out, scratch } = request
  const headDim = store.headDim
  const count = store.count
  const positions = store.stats.positions
  const compact = positionMode === 'compact'
  const queryPosition = compact ? count - 1 : request.position
  let maxBlock = 0
  for (const block of store.blocks) maxBlock = Math.max(maxBlock, block.tokens)
  scratch.ensure(group * count, headDim, maxBlock)
  const scores = scratch.scores
  const rotated = scratch.rotated
  const scale = 1 / Math.sqrt(headDim)
  const decodedKeys: (Float32Array | undefined)[] = []

  for (let g = 0; g < group; g++) {
    const rowScores = g * count
    let slot = 0
    while (slot < count) {
      const delta = compact ? positions[slot]! - slot : 0
      let runEnd = slot + 1
      if (compact) while (runEnd < count && positions[runEnd]! - runEnd === delta) runEnd++
      else runEnd = count
      rotated.set(queries.subarray(g * headDim, (g + 1) * headDim))
      applyRope(rotated, 0, headDim, queryPosition + delta, invFreq)
      scoreRange(store, codec, rotated, slot, runEnd, scores, rowScores, scratch, decodedKeys)
      slot = runEnd
    }
    for (let i = 0; i < count; i++) scores[rowScores + i]! *= scale
    if (request.massBias) {
      const mass = store.stats.mass
      for (let i = 0; i < count; i++) if (mass[i] !== 1) scores[rowScores + i]! += Math.log(mass[i]!)
    }
    softmax(scores, rowScores, count)
  }

  out.fill(0, 0, group * headDim)
  accumulateValues(store, codec, scores, count, group, out)
  const weightsSum = request.weightsSum
  if (weightsSum) {
    for (let i = 0; i < count; i++) {
      let sum = 0
      for (let g = 0; g < group; g++) sum += scores[g * count + i]!
      weightsSum[i] = sum
    }
  }
}

/** Scores of slots `[from, to)` against one rotated query, into `scores[rowOffset + slot]`. */
function scoreRange(
  store: HeadStore,
  codec: KVCodec | undefined,
  query: Float32Array,
  from: number,
  to: number,
  scores: Float32Array,
  rowOffset: number,
  scratch: AttentionScratch,
  decodedKeys: (Float32Array | undefined)[],
): void {
  const headDim = store.headDim
  let first = 0
  for (let index = 0; index < store.blocks.length && first < to; index++) {
    const block = store.blocks[index]!
    const blockEnd = first + block.tokens
    if (blockEnd > from) {
      const lo = Math.max(from, first)
      const hi = Math.min(to, blockEnd)
      if (codec!.dot && lo === first && hi === blockEnd) {
        codec!.dot(block.keys, query, scores, rowOffset + first)
      } else if (codec!.dot) {
        codec!.dot(block.keys, query, scratch.blockScores, 0)
        for (let s = lo; s < hi; s++) scores[rowOffset + s] = scratch.blockScores[s - first]!
      } else {
        let keys = decodedKeys[index]
        if (!keys) decodedKeys[index] = keys = codec!.decode(block.keys)
        for (let s = lo; s < hi; s++)
          scores[rowOffset + s] = dot(query, 0, keys, (s - first) * headDim, headDim)
      }
    }
    first = blockEnd
  }
  const raw = store.rawKeys
  const start = Math.max(from, first)
  for (let s = start; s < to; s++) {
    scores[rowOffset + s] = dot(query, 0, raw.data, raw.offset + (s - first) * headDim, headDim)
  }
}

/** `out[g] = Σ_slot weights[g, slot] · value[slot]` over blocks (fused when possible) and raw rows. */
function accumulateValues(
  store: HeadStore,
  codec: KVCodec | undefined,
  weights: Float32Array,
  count: number,
  group: number,
  out: Float32Array,
): void {
  const headDim = store.headDim
  let first = 0
  for (const block of store.blocks) {
    if (codec!.accumulate) {
      for (let g = 0; g < group; g++) {
        codec!.accumulate(
          block.values,
          weights,
          g * count + first,
          out.subarray(g * headDim, (g + 1) * headDim),
        )
      }
    } else {
      const values = codec!.decode(block.values)
      for (let g = 0; g < group; g++) {
        addWeightedRows(values, 0, weights, g * count + first, block.tokens, headDim, out, g * headDim)
      }
    }
    first += block.tokens
  }
  const raw = store.rawValues
  for (let g = 0; g < group; g++) {
    addWeightedRows(raw.data, raw.offset, weights, g * count + first, raw.count, headDim, out, g * headDim)
  }
}

/** `out[outOffset …] += Σ_t weights[weightOffset + t] · rows[t]`. */
export function addWeightedRows(
  rows: Float32Array,
  rowsOffset: number,
  weights: Float32Array,
  weightOffset: number,
  tokens: number,
  headDim: number,
  out: Float32Array,
  outOffset: number,
): void {
  for (let t = 0; t < tokens; t++) {
    const w = weights[weightOffset + t]!
    if (w === 0) continue
    const base = rowsOffset + t * headDim
    for (let d = 0; d < headDim; d++) out[outOffset + d]! += w * rows[base + d]!
  }
}
