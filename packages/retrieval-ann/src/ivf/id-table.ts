import type { StateReader } from '@kv/tensor'
import type { PlainState } from '@kv/tensor/contracts'

/**
 * Id → row map as an open-addressing hash table in typed arrays, so that the index's `bytes()` counts it
 * exactly (a `Map` has no measurable size). Deleted entries leave tombstones until the next rehash.
 */
const EMPTY = -1
const TOMBSTONE = -2

/** Knuth multiplicative hash; ids are positions, so consecutive ids must not land in consecutive slots. */
function hashId(id: number, mask: number): number {
  return (Math.imul(id, 0x9e3779b1) >>> 0) & mask
}

/**
 * @example
 * const table = new IdTable(4)
 * table.set(1000, 0)
 * table.get(1000) // 0
 * table.get(7) // -1
 */
export class IdTable {
  private keys: Int32Array
  private rows: Int32Array
  private used = 0 // live + tombstones
  private live = 0

  constructor(expected: number) {
    const capacity = tableCapacity(expected)
    this.keys = new Int32Array(capacity).fill(EMPTY)
    this.rows = new Int32Array(capacity)
  }

  /** Live entries. */
  get size(): number {
    return this.live
  }

  /** Bytes of the two typed arrays. */
  bytes(): number {
    return this.keys.byteLength + this.rows.byteLength
  }

  /** The row of `id`, or -1. Ids are non-negative 31-bit integers. */
  get(id: number): number {
    const mask = this.keys.length - 1
    for (let slot = hashId(id, mask); ; slot = (slot + 1) & mask) {
      const key = this.keys[slot]!
      if (key === id) return this.rows[slot]!
      if (key === EMPTY) return -1
    }
  }

  /** Maps `id` to `row`; the caller ensures `id` is not present. */
  set(id: number, row: number): void {
    if ((this.used + 1) * 2 > this.keys.length) this.rehash(tableCapacity(this.live + 1))
    const mask = this.keys.length - 1
    let slot = hashId(id, mask)
    while (this.keys[slot]! >= 0) slot = (slot + 1) & mask
    if (this.keys[slot] === EMPTY) this.used++
    this.keys[slot] = id
    this.rows[slot] = row
    this.live++
  }

  /** Removes `id`; returns its row, or -1 when absent. */
  delete(id: number): number {
    const mask = this.keys.length - 1
    for (let slot = hashId(id, mask); ; slot = (slot + 1) & mask) {
      const key = this.keys[slot]!
      if (key === id) {
        this.keys[slot] = TOMBSTONE
        this.live--
        return this.rows[slot]!
      }
      if (key === EMPTY) return -1
    }
  }

  private rehash(capacity: number): void {
    const oldKeys = this.keys
    const oldRows = this.rows
    this.keys = new Int32Array(capacity).fill(EMPTY)
    this.rows = new Int32Array(capacity)
    this.used = 0
    this.live = 0
    for (let slot = 0; slot < oldKeys.length; slot++) {
      const key = oldKeys[slot]!
      if (key >= 0) this.set(key, oldRows[slot]!)
    }
  }

  /** The hash table, as plain data (copies). */
  saveState(): PlainState {
    return { keys: this.keys.slice(), rows: this.rows.slice(), used: this.used, live: this.live }
  }

  loadState(read: StateReader): void {
    const keys = read.array('keys', Int32Array)
    const rows = read.array('rows', Int32Array)
    const used = read.number('used', { integer: true, min: 0, max: keys.length })
    const live = read.number('live', { integer: true, min: 0, max: used })
    if (rows.length !== keys.length || keys.length === 0 || (keys.length & (keys.length - 1)) !== 0) {
      throw new RangeError(`${read.where}: saved keys and rows must be one power-of-two capacity`)
    }
    this.keys = keys
    this.rows = rows
    this.used = used
    this.live = live
  }
}

/** A power of two holding `expected` entries at load ≤ 1/2 (probe chains stay short). */
function tableCapacity(expected: number): number {
  let capacity = 16
  while (capacity < expected * 2) capacity *= 2
  return capacity
}
