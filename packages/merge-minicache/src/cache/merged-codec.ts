import { checkDecodeOut, type Tensor } from '@kv/tensor'
import type { EncodeContext, EncodedBlock, KVCodec, MergedRows } from '@kv/tensor/contracts'

/**
 * The shared half of a merged block: directions of both layers' rows encoded once by the inner codec.
 * `present[r]` is the current row of original row r in `direction` (-1 once neither layer holds it).
 */
export interface SharedDirections {
  direction: EncodedBlock
  readonly present: Int32Array
  readonly alive: [Uint8Array, Uint8Array]
  holders: number
}

/** One layer's side of a merged block: which original rows it holds, their magnitudes, retained rows. */
export interface MergedSide extends EncodedBlock {
  readonly merged: true
  readonly shared: SharedDirections
  readonly side: 0 | 1
  /** Original rows of the shared block held by this side, ascending. */
  readonly rows: Int32Array
  readonly magnitude: Float32Array
  /** Per held row: index into `retainedRows`, or -1 when the row is merged. */
  readonly retainedIndex: Int32Array
  readonly retainedRows: Float32Array
}

function isMerged(block: EncodedBlock): block is MergedSide {
  return (block as MergedSide).merged === true
}

/**
 * Wraps a codec for the layers of a merged pair: ordinary blocks pass through, merged sides are read as
 * direction × magnitude (retained rows exactly), through the inner codec's fused paths when it has them.
 */
export class MergedCodec implements KVCodec {
  readonly name: string
  readonly blockTokens: number
  readonly residual: number
  readonly tiers: number
  readonly inner: KVCodec
  private scratch = new Float32Array(0)

  constructor(inner: KVCodec) {
    this.inner = inner
    this.name = inner.name
    this.blockTokens = inner.blockTokens
    this.residual = inner.residual
    this.tiers = inner.tiers
  }

  /** Builds both sides of a merged block from the merger's output and the two layers' original rows. */
  static sides(
    inner: KVCodec,
    merged: MergedRows,
    rowsA: Float32Array,
    rowsB: Float32Array,
    tokens: number,
    headDim: number,
    direction: EncodedBlock,
  ): [MergedSide, MergedSide] {
    const shared: SharedDirections = {
      direction,
      present: Int32Array.from({ length: tokens }, (_, r) => r),
      alive: [new Uint8Array(tokens).fill(1), new Uint8Array(tokens).fill(1)],
      holders: 2,
    }
    const retainedIndex = new Int32Array(tokens).fill(-1)
    merged.retained.forEach((row, i) => {
      retainedIndex[row] = i
    })
    const side = (which: 0 | 1, rows: Float32Array, magnitude: Float32Array): MergedSide => {
      const retainedRows = new Float32Array(merged.retained.length * headDim)
      merged.retained.forEach((row, i) => {
        retainedRows.set(rows.subarray(row * headDim, (row + 1) * headDim), i * headDim)
      })
      return {
        merged: true,
        shared,
        side: which,
        tokens,
        headDim,
        role: direction.role,
        rows: Int32Array.from({ length: tokens }, (_, r) => r),
        magnitude: magnitude.slice(),
        retainedIndex: retainedIndex.slice(),
        retainedRows,
      }
    }
    void inner
    return [side(0, rowsA, merged.magnitudeA), side(1, rowsB, merged.magnitudeB)]
  }

  encode(block: Tensor<'f32'>, context: EncodeContext): EncodedBlock {
    return this.inner.encode(block, context)
  }

  private directions(side: MergedSide): Float32Array {
    return this.inner.decode(side.shared.direction)
  }

  decode(block: EncodedBlock, out?: Float32Array): Float32Array {
    if (!isMerged(block)) return this.inner.decode(block, out)
    checkDecodeOut('MergedCodec.decode', out, block.tokens, block.headDim)
    const { headDim } = block
    const result = out ?? new Float32Array(block.tokens * headDim)
    const directions = this.directions(block)
    for (let i = 0; i < block.tokens; i++) {
      const retained = block.retainedIndex[i]!
      if (retained >= 0) {
        result.set(block.retainedRows.subarray(retained * headDim, (retained + 1) * headDim), i * headDim)
        continue
      }
      const from = block.shared.present[block.rows[i]!]! * headDim
      const magnitude = block.magnitude[i]!
      for (let d = 0; d < headDim; d++) result[i * headDim + d] = directions[from + d]! * magnitude
    }
    return result
  }

  dot(block: EncodedBlock, query: Float32Array, out: Float32Array, outOffset: number): void {
    if (!isMerged(block)) {
      if (this.inner.dot) this.inner.dot(block, query, out, outOffset)
      else dotRows(this.inner.decode(block), block.tokens, block.headDim, query, out, outOffset)
      return
    }
    const rows = block.shared.direction.tokens
    if (this.scratch.length < rows) this.scratch = new Float32Array(rows * 2)
    if (this.inner.dot) this.inner.dot(block.shared.direction, query, this.scratch, 0)
    else dotRows(this.directions(block), rows, block.headDim, query, this.scratch, 0)
    const { headDim } = block
    for (let i = 0; i < block.tokens; i++) {
      const retained = block.retainedIndex[i]!
      if (retained >= 0) {
        let sum = 0
        for (let d = 0; d < headDim; d++) sum += query[d]! * block.retainedRows[retained * headDim + d]!
        out[outOffset + i] = sum
      } else {
        out[outOffset + i] = this.scratch[block.shared.present[block.rows[i]!]!]! * block.magnitude[i]!
      }
    }
  }

  accumulate(block: EncodedBlock, weights: Float32Array, weightOffset: number, out: Float32Array): void {
    const { headDim } = block
    if (!isMerged(block)) {
      if (this.inner.accumulate) this.inner.accumulate(block, weights, weightOffset, out)
      else accumulateRows(this.inner.decode(block), block.tokens, headDim, weights, weightOffset, out)
      return
    }
    const rows = block.shared.direction.tokens
    const shared = new Float32Array(rows)
    for (let i = 0; i < block.tokens; i++) {
      const w = weights[weightOffset + i]!
      const retained = block.retainedIndex[i]!
      if (retained >= 0) {
        for (let d = 0; d < headDim; d++) out[d]! += w * block.retainedRows[retained * headDim + d]!
      } else {
        shared[block.shared.present[block.rows[i]!]!] = w * block.magnitude[i]!
      }
    }
    if (this.inner.accumulate) this.inner.accumulate(block.shared.direction, shared, 0, out)
    else accumulateRows(this.directions(block), rows, headDim, shared, 0, out)
  }

  select(block: EncodedBlock, keep: Int32Array): EncodedBlock {
    if (!isMerged(block)) {
      if (this.inner.select) return this.inner.select(block, keep)
      throw new TypeError(`codec ${this.inner.name} cannot select rows`)
    }
    const kept = new Uint8Array(block.tokens)
    for (const i of keep) kept[i] = 1
    for (let i = 0; i < block.tokens; i++) if (!kept[i]) block.shared.alive[block.side][block.rows[i]!] = 0
    compactShared(this.inner, block.shared)
    const { headDim } = block
    const retainedIndex = new Int32Array(keep.length)
    const retainedCount = keep.reduce((n, i) => n + (block.retainedIndex[i]! >= 0 ? 1 : 0), 0)
    const retainedRows = new Float32Array(retainedCount * headDim)
    let r = 0
    keep.forEach((i, k) => {
      const retained = block.retainedIndex[i]!
      if (retained < 0) {
        retainedIndex[k] = -1
        return
      }
      retainedRows.set(block.retainedRows.subarray(retained * headDim, (retained + 1) * headDim), r * headDim)
      retainedIndex[k] = r++
    })
    const selected: MergedSide = {
      ...block,
      tokens: keep.length,
      rows: Int32Array.from(keep, (i) => block.rows[i]!),
      magnitude: Float32Array.from(keep, (i) => block.magnitude[i]!),
      retainedIndex,
      retainedRows,
    }
    return selected
  }

  /** The cache is done with a block (dropped or replaced): the side lets go of its shared rows. */
  release(block: EncodedBlock): void {
    if (!isMerged(block)) return
    for (const row of block.rows) block.shared.alive[block.side][row] = 0
    block.shared.holders--
    compactShared(this.inner, block.shared)
  }

  bytes(block: EncodedBlock): number {
    if (!isMerged(block)) return this.inner.bytes(block)
    return (
      this.sideBytes(block) + this.inner.bytes(block.shared.direction) / Math.max(1, block.shared.holders)
    )
  }

  physicalBytes(block: EncodedBlock): number {
    if (!isMerged(block)) return this.inner.physicalBytes(block)
    const shared = this.inner.physicalBytes(block.shared.direction) + block.shared.present.byteLength * 1.5
    return this.sideBytes(block) + shared / Math.max(1, block.shared.holders)
  }

  private sideBytes(block: MergedSide): number {
    return (
      block.rows.byteLength +
      block.magnitude.byteLength +
      block.retainedIndex.byteLength +
      block.retainedRows.byteLength
    )
  }
}

/** Drops from the shared directions the rows neither side holds (exactly, through `select`). */
function compactShared(inner: KVCodec, shared: SharedDirections): void {
  const keep: number[] = []
  let dead = 0
  for (let row = 0; row < shared.present.length; row++) {
    if (shared.present[row]! < 0) continue
    if (shared.alive[0][row] || shared.alive[1][row]) keep.push(shared.present[row]!)
    else {
      shared.present[row] = -1
      dead++
    }
  }
  if (dead === 0 || !inner.select) return
  shared.direction = inner.select(shared.direction, Int32Array.from(keep))
  let next = 0
  for (let row = 0; row < shared.present.length; row++)
    if (shared.present[row]! >= 0) shared.present[row] = next++
}

function dotRows(
  rows: Float32Array,
  tokens: number,
  headDim: number,
  query: Float32Array,
  out: Float32Array,
  outOffset: number,
) {
  for (let t = 0; t < tokens; t++) {
    let sum = 0
    for (let d = 0; d < headDim; d++) sum += query[d]! * rows[t * headDim + d]!
    out[outOffset + t] = sum
  }
}

function accumulateRows(
  rows: Float32Array,
  tokens: number,
  headDim: number,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
) {
  for (let t = 0; t < tokens; t++) {
    const w = weights[offset + t]!
    if (w === 0) continue
    for (let d = 0; d < headDim; d++) out[d]! += w * rows[t * headDim + d]!
  }
}
