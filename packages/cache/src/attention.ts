import { accumulateRowsMany, applyRope, dotRowsMany, softmax } from '@kv/tensor'
import type { KVCodec } from '@kv/tensor/contracts'
import type { HeadStore } from './head-store.js'

/** Scratch buffers of one attention call, reused across steps. */
export class AttentionScratch {
  scores = new Float32Array(0)
  rotated = new Float32Array(0)
  blockScores = new Float32Array(0)
  positions = new Int32Array(0)

  private sums = new Float64Array(0)
  private partialRow = new Float32Array(0)

  private groupRows = new Float32Array(0)

  /** The rotated queries of a group, `[group, headDim]`. */
  group(size: number): Float32Array {
    if (this.groupRows.length !== size) this.groupRows = new Float32Array(size)
    return this.groupRows
  }

  /** A zeroed float64 accumulator of `size` numbers. */
  accumulator(size: number): Float64Array {
    if (this.sums.length < size) this.sums = new Float64Array(size)
    const acc = this.sums.subarray(0, size)
    acc.fill(0)
    return acc
  }

  /** A float32 row for one fused accumulate call. */
  partial(size: number): Float32Array {
    if (this.partialRow.length !== size) this.partialRow = new Float32Array(size)
    return this.partialRow
  }

  ensure(scores: number, headDim: number, blockRows: number): void {
    if (this.scores.length < scores) this.scores = new Float32Array(Math.max(scores, this.scores.length * 2))
    if (this.positions.length < scores)
      this.positions = new Int32Array(Math.max(scores, this.positions.length * 2))
    if (this.rotated.length < headDim) this.rotated = new Float32Array(headDim)
    if (this.blockScores.length < blockRows)
      this.blockScores = new Float32Array(Math.max(blockRows, this.blockScores.length * 2))
  }
}

export interface AttendRequest {
  readonly store: HeadStore
  readonly codec: KVCodec
  /** Pre-RoPE queries of the query heads sharing this KV head, `[group, headDim]`. */
  readonly queries: Float32Array
  readonly group: number
  readonly invFreq: Float32Array
  /** Original position of the token being decoded (it is already the last slot). */
  readonly position: number
  /** The policy's re-assigned positions (absent: original positions); see `KVPolicy.attentionPositions`. */
  readonly attentionPositions: ((stored: Int32Array, count: number, out: Int32Array) => number) | undefined
  /** Adjusts one query head's scaled logits (`[count]` from `offset`) before the softmax. */
  readonly adjustLogits: ((logits: Float32Array, offset: number, count: number) => void) | undefined
  /** Output `[group, headDim]` (overwritten). */
  readonly out: Float32Array
  /** Attention summed over the group, per slot (overwritten), or undefined when nobody reads it. */
  readonly weightsSum: Float32Array | undefined
  readonly scratch: AttentionScratch
}

/**
 * Decode-step attention of one KV head and its query heads over every slot the head holds. Keys are
 * stored rotated at their original positions; the query is rotated once per run of slots that share the
 * same offset between stored and effective position, so positions a policy re-assigns cost one
 * rotation per run instead of re-rotating keys. Encoded blocks are read through the codec's fused
 * dequantize-dot and dequantize-accumulate when it has them.
 */
export function attendHead(request: AttendRequest): void {
  const { store, codec, queries, group, invFreq, out, scratch } = request
  const headDim = store.headDim
  const count = store.count
  const positions = store.stats.positions
  let maxBlock = 0
  for (const block of store.blocks) maxBlock = Math.max(maxBlock, block.tokens)
  scratch.ensure(group * count, headDim, maxBlock)
  const reassigned = request.attentionPositions !== undefined
  const effective = scratch.positions
  const queryPosition = reassigned
    ? request.attentionPositions!(positions, count, effective)
    : request.position
  const scores = scratch.scores
  const rotated = scratch.rotated
  const scale = 1 / Math.sqrt(headDim)
  const decodedKeys: (Float32Array | undefined)[] = []

  if (!reassigned) {
    // One run over every slot: all query heads of the group are scored together, each key row read once.
    const all = scratch.group(group * headDim)
    all.set(queries.subarray(0, group * headDim))
    for (let g = 0; g < group; g++) applyRope(all, g * headDim, headDim, queryPosition, invFreq)
    scoreAll(store, codec, all, group, count, scores)
  } else {
    for (let g = 0; g < group; g++) {
      let slot = 0
      while (slot < count) {
        const delta = positions[slot]! - effective[slot]!
        let runEnd = slot + 1
        while (runEnd < count && positions[runEnd]! - effective[runEnd]! === delta) runEnd++
        rotated.set(queries.subarray(g * headDim, (g + 1) * headDim))
        applyRope(rotated, 0, headDim, queryPosition + delta, invFreq)
        scoreRange(store, codec, rotated, slot, runEnd, scores, g * count, scratch, decodedKeys)
        slot = runEnd
      }
    }
  }
  for (let g = 0; g < group; g++) {
    const rowScores = g * count
    for (let i = 0; i < count; i++) scores[rowScores + i]! *= scale
    request.adjustLogits?.(scores, rowScores, count)
    softmax(scores, rowScores, count)
  }

  const acc = scratch.accumulator(group * headDim)
  accumulateValues(store, codec, scores, count, group, acc, scratch)
  for (let i = 0; i < group * headDim; i++) out[i] = acc[i]!
  const weightsSum = request.weightsSum
  if (weightsSum) {
    for (let i = 0; i < count; i++) {
      let sum = 0
      for (let g = 0; g < group; g++) sum += scores[g * count + i]!
      weightsSum[i] = sum
    }
  }
}

/** Scores of every slot against all rotated queries of the group (`[group, headDim]`), into `scores[g·count + slot]`. */
function scoreAll(
  store: HeadStore,
  codec: KVCodec,
  rotated: Float32Array,
  group: number,
  count: number,
  scores: Float32Array,
): void {
  const headDim = store.headDim
  const offsets = (first: number) => Array.from({ length: group }, (_, g) => g * count + first)
  let first = 0
  for (const block of store.blocks) {
    if (codec.dot) {
      for (let g = 0; g < group; g++) {
        codec.dot(block.keys, rotated.subarray(g * headDim, (g + 1) * headDim), scores, g * count + first)
      }
    } else {
      dotRowsMany(rotated, group, codec.decode(block.keys), 0, block.tokens, headDim, scores, offsets(first))
    }
    first += block.tokens
  }
  const raw = store.rawKeys
  dotRowsMany(rotated, group, raw.data, raw.offset, raw.count, headDim, scores, offsets(first))
}

/** Scores of slots `[from, to)` against one rotated query, into `scores[rowOffset + slot]`. */
function scoreRange(
  store: HeadStore,
  codec: KVCodec,
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
      if (codec.dot && lo === first && hi === blockEnd) {
        codec.dot(block.keys, query, scores, rowOffset + first)
      } else if (codec.dot) {
        codec.dot(block.keys, query, scratch.blockScores, 0)
        for (let s = lo; s < hi; s++) scores[rowOffset + s] = scratch.blockScores[s - first]!
      } else {
        let keys = decodedKeys[index]
        if (!keys) decodedKeys[index] = keys = codec.decode(block.keys)
        dotRows(query, keys, (lo - first) * headDim, hi - lo, headDim, scores, rowOffset + lo)
      }
    }
    first = blockEnd
  }
  const raw = store.rawKeys
  const start = Math.max(from, first)
  if (start < to)
    dotRows(
      query,
      raw.data,
      raw.offset + (start - first) * headDim,
      to - start,
      headDim,
      scores,
      rowOffset + start,
    )
}

/** `out[outOffset + t] = query · rows[t]` for `count` rows of `headDim` from element `rowsOffset`. */
function dotRows(
  query: Float32Array,
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
  out: Float32Array,
  outOffset: number,
): void {
  dotRowsMany(query, 1, rows, rowsOffset, count, headDim, out, [outOffset])
}

/** `acc[g] = Σ_slot weights[g, slot] · value[slot]` over blocks (fused when possible) and raw rows. */
function accumulateValues(
  store: HeadStore,
  codec: KVCodec,
  weights: Float32Array,
  count: number,
  group: number,
  acc: Float64Array,
  scratch: AttentionScratch,
): void {
  const headDim = store.headDim
  let first = 0
  for (const block of store.blocks) {
    if (codec.accumulate) {
      const partial = scratch.partial(headDim)
      for (let g = 0; g < group; g++) {
        partial.fill(0)
        codec.accumulate(block.values, weights, g * count + first, partial)
        for (let d = 0; d < headDim; d++) acc[g * headDim + d]! += partial[d]!
      }
    } else {
      addWeightedRowsGroup(
        codec.decode(block.values),
        0,
        weights,
        count,
        first,
        block.tokens,
        group,
        headDim,
        acc,
      )
    }
    first += block.tokens
  }
  const raw = store.rawValues
  addWeightedRowsGroup(raw.data, raw.offset, weights, count, first, raw.count, group, headDim, acc)
}

/** `acc[g] += Σ_t weights[g, first + t] · rows[t]` for every query head of the group, each value row read once for all of them (float64, token order). */
function addWeightedRowsGroup(
  rows: Float32Array,
  rowsOffset: number,
  weights: Float32Array,
  count: number,
  first: number,
  tokens: number,
  group: number,
  headDim: number,
  acc: Float64Array,
): void {
  const weightOffsets = Array.from({ length: group }, (_, g) => g * count + first)
  const accOffsets = Array.from({ length: group }, (_, g) => g * headDim)
  accumulateRowsMany(rows, rowsOffset, tokens, headDim, weights, weightOffsets, acc, accOffsets, group)
}
