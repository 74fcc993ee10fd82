import type { StateReader } from '@kv/tensor'
import type { PlainState } from '@kv/tensor/contracts'
/**
 * The index's own copy of the keys, row-major, with the id of each row. Rows freed by `remove` are
 * reused by later adds, so memory follows the keys held, not the keys ever added.
 *
 * @example
 * const store = new KeyStore(2, 4)
 * const row = store.appendRow(new Float32Array([1, 2]), 0, 10)
 * store.idOf(row) // 10
 */
export class KeyStore {
  readonly dim: number
  keys: Float32Array
  private ids: Int32Array
  private free: Int32Array
  private freeCount = 0
  private rows = 0

  constructor(dim: number, capacity: number) {
    this.dim = dim
    this.keys = new Float32Array(capacity * dim)
    this.ids = new Int32Array(capacity)
    this.free = new Int32Array(0)
  }

  /** Rows allocated. */
  get capacity(): number {
    return this.ids.length
  }

  /** The id stored at `row`. */
  idOf(row: number): number {
    return this.ids[row]!
  }

  /** Copies `count` rows into rows `0..count-1` of a fresh store (used once, by `build`). */
  appendRows(keys: Float32Array, ids: Int32Array, count: number): void {
    this.keys.set(keys.subarray(0, count * this.dim))
    this.ids.set(ids.subarray(0, count))
    this.rows = count
  }

  /** Copies one key, reusing a freed row when there is one; returns its row. */
  appendRow(keys: Float32Array, offset: number, id: number): number {
    let row: number
    if (this.freeCount > 0) row = this.free[--this.freeCount]!
    else {
      if (this.rows === this.ids.length) this.grow()
      row = this.rows++
    }
    this.keys.set(keys.subarray(offset, offset + this.dim), row * this.dim)
    this.ids[row] = id
    return row
  }

  /** Makes `row` available for reuse. */
  freeRow(row: number): void {
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(Math.max(16, this.free.length * 2))
      grown.set(this.free)
      this.free = grown
    }
    this.free[this.freeCount++] = row
    this.ids[row] = -1
  }

  /** Bytes allocated: keys, ids and the free list. */
  bytes(): number {
    return this.keys.byteLength + this.ids.byteLength + this.free.byteLength
  }

  private grow(): void {
    const capacity = Math.max(16, this.ids.length * 2)
    const keys = new Float32Array(capacity * this.dim)
    keys.set(this.keys)
    const ids = new Int32Array(capacity)
    ids.set(this.ids)
    this.keys = keys
    this.ids = ids
  }

  /** The rows, ids and free list, as plain data (copies). */
  saveState(): PlainState {
    return {
      keys: this.keys.slice(),
      ids: this.ids.slice(),
      free: this.free.slice(),
      freeCount: this.freeCount,
      rows: this.rows,
    }
  }

  loadState(read: StateReader): void {
    const keys = read.array('keys', Float32Array)
    const ids = read.array('ids', Int32Array)
    const free = read.array('free', Int32Array)
    const rows = read.number('rows', { integer: true, min: 0, max: ids.length })
    const freeCount = read.number('freeCount', { integer: true, min: 0, max: free.length })
    const freed = free.subarray(0, freeCount)
    if (keys.length !== ids.length * this.dim || freed.some((row) => row < 0 || row >= rows)) {
      throw new RangeError(
        `${read.where}: saved keys, ids and free rows do not fit a store of ${this.dim} dims`,
      )
    }
    this.keys = keys
    this.ids = ids
    this.free = free
    this.freeCount = freeCount
    this.rows = rows
  }
}
