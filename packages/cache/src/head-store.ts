import { Tensor } from '@kv/tensor'
import type { CachePhase, EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import { RawRows, type RawRowsMark, type RawRowsState } from './raw-rows.js'
import { SlotStats, type SlotStatsMark } from './slot-stats.js'

/** Keys and values of consecutive slots, encoded by the cache's codec. */
export interface StoredBlock {
  keys: EncodedBlock
  values: EncodedBlock
  readonly tokens: number
}

/** What a cache shows of one layer and KV head (read-only). */
export interface HeadSlots {
  readonly layer: number
  readonly head: number
  readonly headDim: number
  /** Slots held. */
  readonly count: number
  /** Slots held in encoded blocks (they come before the full-precision window). */
  readonly encodedCount: number
  /** Encoded blocks held. */
  readonly blockCount: number
  /** Original position of each slot, oldest first (a copy). */
  positions(): Int32Array
  /** Tokens each slot stands for (1, or more after merges), a copy. */
  mass(): Float32Array
  /** Every slot's key (or value), decoded, `[count, headDim]`. */
  decodeAll(role: 'key' | 'value'): Float32Array
  logicalBytes(): number
  physicalBytes(): number
}

/**
 * The slots of one layer and KV head: encoded blocks (oldest first), then the newest tokens in full
 * precision, with per-slot statistics in the same order. Evicting a slot frees its bytes: blocks shrink
 * through the codec's exact `select` (or are re-encoded), full-precision rows are removed.
 */
export class HeadStore implements HeadSlots {
  readonly layer: number
  readonly head: number
  readonly headDim: number
  readonly stats: SlotStats
  blocks: StoredBlock[] = []
  readonly rawKeys: RawRows
  readonly rawValues: RawRows
  readonly codec: KVCodec

  constructor(layer: number, head: number, headDim: number, codec: KVCodec, tracksAttention: boolean) {
    this.stats = new SlotStats(tracksAttention)
    this.layer = layer
    this.head = head
    this.headDim = headDim
    this.codec = codec
    this.rawKeys = new RawRows(headDim)
    this.rawValues = new RawRows(headDim)
  }

  get count(): number {
    return this.stats.count
  }

  get blockCount(): number {
    return this.blocks.length
  }

  positions(): Int32Array {
    return this.stats.positions.slice(0, this.count)
  }

  mass(): Float32Array {
    return this.stats.mass.slice(0, this.count)
  }

  /** Slots held in encoded blocks (they come before the full-precision rows). */
  get encodedCount(): number {
    return this.count - this.rawKeys.count
  }

  append(
    keys: Float32Array,
    keyOffset: number,
    values: Float32Array,
    valueOffset: number,
    position: number,
  ): void {
    this.rawKeys.push(keys, keyOffset)
    this.rawValues.push(values, valueOffset)
    this.stats.push(position)
  }

  private encode(
    rows: Float32Array,
    tokens: number,
    role: 'key' | 'value',
    phase: CachePhase,
    tiers: Uint8Array,
  ) {
    const codec = this.codec
    const tensor = Tensor.fromF32(rows, [tokens, this.headDim])
    const context = { role, phase, layer: this.layer, head: this.head, tiers }
    return codec.encode(tensor, context)
  }

  /**
   * Encodes the oldest full-precision rows once `residual + blockTokens` wait (phase `decode`), or all
   * rows beyond the residual as one block (phase `prefill`).
   */
  flush(phase: CachePhase): void {
    const codec = this.codec
    const waiting = this.rawKeys.count
    const take =
      phase === 'prefill'
        ? waiting - codec.residual
        : waiting >= codec.residual + codec.blockTokens
          ? codec.blockTokens
          : 0
    if (take <= 0) return
    const first = this.encodedCount
    const tiers = this.stats.tiers.slice(first, first + take)
    const keys = this.encode(this.rawKeys.copyRows(0, take), take, 'key', phase, tiers)
    const values = this.encode(this.rawValues.copyRows(0, take), take, 'value', phase, tiers)
    this.blocks.push({ keys, values, tokens: take })
    this.rawKeys.dropFront(take)
    this.rawValues.dropFront(take)
    if (phase === 'decode') this.flush(phase)
  }

  /** Decodes every slot's key (or value) into `[count, headDim]`. */
  decodeAll(role: 'key' | 'value'): Float32Array {
    const out = new Float32Array(this.count * this.headDim)
    let row = 0
    for (const block of this.blocks) {
      const encoded = role === 'key' ? block.keys : block.values
      out.set(this.codec.decode(encoded), row * this.headDim)
      row += block.tokens
    }
    const raw = role === 'key' ? this.rawKeys : this.rawValues
    out.set(raw.data.subarray(raw.offset, raw.offset + raw.count * this.headDim), row * this.headDim)
    return out
  }

  /** Removes the slots flagged in `remove` (indexed by slot) from blocks, rows and statistics. */
  remove(remove: Uint8Array): void {
    let first = 0
    for (let index = 0; index < this.blocks.length; index++) {
      const block = this.blocks[index]!
      let dropped = 0
      for (let row = 0; row < block.tokens; row++) dropped += remove[first + row]!
      if (dropped > 0) {
        if (dropped === block.tokens) {
          this.release(block)
          this.blocks.splice(index, 1)
          index--
        } else {
          const keep = new Int32Array(block.tokens - dropped)
          for (let row = 0, k = 0; row < block.tokens; row++) if (!remove[first + row]) keep[k++] = row
          this.blocks[index] = this.selectRows(block, keep, first)
        }
      }
      first += block.tokens
    }
    const rawFlags = remove.subarray(first, first + this.rawKeys.count)
    this.rawKeys.removeRows(rawFlags)
    this.rawValues.removeRows(rawFlags)
    this.stats.remove(remove)
  }

  /** Tells the codec a block is gone (a codec that shares storage between blocks lets go of it). */
  private release(block: StoredBlock): void {
    this.codec.release?.(block.keys)
    this.codec.release?.(block.values)
  }

  private selectRows(block: StoredBlock, keep: Int32Array, firstSlot: number): StoredBlock {
    const codec = this.codec
    if (codec.select) {
      return {
        keys: codec.select(block.keys, keep),
        values: codec.select(block.values, keep),
        tokens: keep.length,
      }
    }
    const tiers = new Uint8Array(keep.length)
    for (let i = 0; i < keep.length; i++) tiers[i] = this.stats.tiers[firstSlot + keep[i]!]!
    const gather = (encoded: EncodedBlock) => {
      const all = codec.decode(encoded)
      const rows = new Float32Array(keep.length * this.headDim)
      for (let i = 0; i < keep.length; i++) {
        rows.set(all.subarray(keep[i]! * this.headDim, (keep[i]! + 1) * this.headDim), i * this.headDim)
      }
      return rows
    }
    const replaced = {
      keys: this.encode(gather(block.keys), keep.length, 'key', 'decode', tiers),
      values: this.encode(gather(block.values), keep.length, 'value', 'decode', tiers),
      tokens: keep.length,
    }
    this.release(block)
    return replaced
  }

  /** The block holding `slot` and the slot's row in it, or the raw row (`block` = -1). */
  locate(slot: number): { block: number; row: number } {
    let first = 0
    for (let index = 0; index < this.blocks.length; index++) {
      const tokens = this.blocks[index]!.tokens
      if (slot < first + tokens) return { block: index, row: slot - first }
      first += tokens
    }
    return { block: -1, row: slot - first }
  }

  /**
   * Overwrites the key and value of several slots (merges, demotions): raw rows are written in place,
   * encoded blocks are decoded, patched and re-encoded with the slots' current tiers.
   */
  rewrite(slots: Int32Array, keys: Float32Array, values: Float32Array): void {
    const patched = new Map<number, { keys: Float32Array; values: Float32Array }>()
    for (let i = 0; i < slots.length; i++) {
      const { block, row } = this.locate(slots[i]!)
      if (block < 0) {
        this.rawKeys.writeRow(row, keys, i * this.headDim)
        this.rawValues.writeRow(row, values, i * this.headDim)
        continue
      }
      let rows = patched.get(block)
      if (!rows) {
        const stored = this.blocks[block]!
        rows = { keys: this.codec.decode(stored.keys), values: this.codec.decode(stored.values) }
        patched.set(block, rows)
      }
      rows.keys.set(keys.subarray(i * this.headDim, (i + 1) * this.headDim), row * this.headDim)
      rows.values.set(values.subarray(i * this.headDim, (i + 1) * this.headDim), row * this.headDim)
    }
    for (const [index, rows] of patched) this.reencode(index, rows.keys, rows.values)
  }

  /** Re-encodes block `index` from full-precision rows, with the current tiers of its slots. */
  reencode(index: number, keys?: Float32Array, values?: Float32Array): void {
    const block = this.blocks[index]!
    let first = 0
    for (let i = 0; i < index; i++) first += this.blocks[i]!.tokens
    const tiers = this.stats.tiers.slice(first, first + block.tokens)
    const keyRows = keys ?? this.codec.decode(block.keys)
    const valueRows = values ?? this.codec.decode(block.values)
    this.release(block)
    this.blocks[index] = {
      keys: this.encode(keyRows, block.tokens, 'key', 'decode', tiers),
      values: this.encode(valueRows, block.tokens, 'value', 'decode', tiers),
      tokens: block.tokens,
    }
  }

  /** Logical bytes: codec-reported block bytes, full-precision rows (4 bytes a number) and slot statistics. */
  logicalBytes(): number {
    let bytes = this.stats.logicalBytes + (this.rawKeys.count + this.rawValues.count) * this.headDim * 4
    for (const block of this.blocks) bytes += this.codec.bytes(block.keys) + this.codec.bytes(block.values)
    return bytes
  }

  /** Physical bytes: every typed array allocated for this head right now. */
  physicalBytes(): number {
    let bytes = this.stats.physicalBytes + this.rawKeys.physicalBytes + this.rawValues.physicalBytes
    for (const block of this.blocks) {
      bytes += this.codec.physicalBytes(block.keys) + this.codec.physicalBytes(block.values)
    }
    return bytes
  }

  /**
   * Remembers what the head holds now, cheaply (blocks are never changed in place, rows and statistics
   * are shared until written); `rollback` returns to it.
   */
  mark(): HeadMark {
    return {
      blocks: this.blocks.slice(),
      keys: this.rawKeys.mark(),
      values: this.rawValues.mark(),
      stats: this.stats.mark(),
    }
  }

  rollback(mark: HeadMark): void {
    this.blocks = mark.blocks.slice()
    this.rawKeys.rollback(mark.keys)
    this.rawValues.rollback(mark.values)
    this.stats.rollback(mark.stats)
  }

  /** Forgets the mark (writes go in place again). */
  releaseMark(): void {
    this.rawKeys.release()
    this.rawValues.release()
    this.stats.release()
  }

  /** What the head holds, as plain data: the codec's blocks as they are, copies of rows and statistics. */
  saveState(): HeadState {
    return {
      blocks: this.blocks.map((block) => ({ keys: block.keys, values: block.values, tokens: block.tokens })),
      keys: this.rawKeys.saveState(),
      values: this.rawValues.saveState(),
      stats: this.stats.saveState(),
    }
  }

  loadState(state: HeadState): void {
    const where = `layer ${this.layer} head ${this.head}`
    if (!Array.isArray(state.blocks)) throw new RangeError(`${where}: blocks must be an array`)
    let encoded = 0
    for (const [i, block] of state.blocks.entries()) {
      if (!Number.isInteger(block?.tokens) || block.tokens < 1 || !block.keys || !block.values) {
        throw new RangeError(`${where}: block ${i} is not a stored block`)
      }
      encoded += block.tokens
    }
    try {
      this.rawKeys.loadState(state.keys)
      this.rawValues.loadState(state.values)
      this.stats.loadState(state.stats)
    } catch (error) {
      throw new RangeError(`${where}: ${(error as Error).message}`)
    }
    const count = encoded + this.rawKeys.count
    if (this.rawValues.count !== this.rawKeys.count || this.stats.count !== count) {
      throw new RangeError(
        `${where}: ${encoded} encoded and ${this.rawKeys.count} full-precision slots, but statistics for ${this.stats.count}`,
      )
    }
    this.blocks = state.blocks.map((block) => ({
      keys: block.keys,
      values: block.values,
      tokens: block.tokens,
    }))
  }
}

/** What `HeadStore.mark` remembers. */
export interface HeadMark {
  readonly blocks: readonly StoredBlock[]
  readonly keys: RawRowsMark
  readonly values: RawRowsMark
  readonly stats: SlotStatsMark
}

/** One head's slots as plain data. */
export interface HeadState {
  readonly blocks: readonly StoredBlock[]
  readonly keys: RawRowsState
  readonly values: RawRowsState
  readonly stats: SlotStatsMark
}
