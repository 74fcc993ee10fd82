import type { StateReader } from '@kv/tensor'
import type { PlainState } from '@kv/tensor/contracts'
/**
 * The inverted lists of an IVF: per cell, a growable Int32Array of rows. Growth doubles, so appending is
 * amortised O(1) and `bytes()` reports the capacity actually allocated.
 *
 * @example
 * const lists = new CellLists(2)
 * lists.append(1, 42)
 * lists.length(1) // 1
 * lists.rows(1)[0] // 42
 */
export class CellLists {
  private readonly lists: Int32Array[]
  private readonly lengths: Int32Array

  constructor(cells: number) {
    this.lists = []
    for (let c = 0; c < cells; c++) this.lists.push(new Int32Array(0))
    this.lengths = new Int32Array(cells)
  }

  /** Number of cells. */
  get cells(): number {
    return this.lengths.length
  }

  /** Entries of cell `c`. */
  length(c: number): number {
    return this.lengths[c]!
  }

  /** The backing array of cell `c`; only the first `length(c)` entries are meaningful. */
  rows(c: number): Int32Array {
    return this.lists[c]!
  }

  /** Appends `row` to cell `c`. */
  append(c: number, row: number): void {
    const length = this.lengths[c]!
    let list = this.lists[c]!
    if (length === list.length) {
      const grown = new Int32Array(Math.max(8, list.length * 2))
      grown.set(list)
      this.lists[c] = list = grown
    }
    list[length] = row
    this.lengths[c] = length + 1
  }

  /** Drops, from every cell, the rows whose `dead[row]` is 1; keeps the order of the others. */
  removeRows(dead: Uint8Array): void {
    for (let c = 0; c < this.lengths.length; c++) {
      const list = this.lists[c]!
      const length = this.lengths[c]!
      let kept = 0
      for (let i = 0; i < length; i++) {
        const row = list[i]!
        if (dead[row] === 0) list[kept++] = row
      }
      this.lengths[c] = kept
    }
  }

  /** Total entries over all cells (a row in several cells counts once per cell). */
  entries(): number {
    let total = 0
    for (let c = 0; c < this.lengths.length; c++) total += this.lengths[c]!
    return total
  }

  /** Bytes allocated: list capacities and the length table. */
  bytes(): number {
    let total = this.lengths.byteLength
    for (const list of this.lists) total += list.byteLength
    return total
  }

  /** The lists with their capacity, as plain data (copies). */
  saveState(): PlainState {
    return { lengths: this.lengths.slice(), lists: this.lists.map((list) => list.slice()) }
  }

  /** A `CellLists` from `saveState`'s data. */
  static fromState(read: StateReader): CellLists {
    const lengths = read.array('lengths', Int32Array)
    const lists = read.list('lists')
    if (lists.length !== lengths.length || lengths.length === 0) {
      throw new RangeError(`${read.where}: saved lists and lengths differ in count`)
    }
    const restored = new CellLists(lengths.length)
    lists.forEach((list, c) => {
      if (!(list instanceof Int32Array) || list.length < lengths[c]! || lengths[c]! < 0) {
        throw new TypeError(
          `${read.where}: saved list ${c} must be an Int32Array of at least ${lengths[c]} rows`,
        )
      }
      restored.lists[c] = list.slice()
      restored.lengths[c] = lengths[c]!
    })
    return restored
  }
}
