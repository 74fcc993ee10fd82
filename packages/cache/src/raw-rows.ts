/** Growth factor of the storage, and the rows always allocated: slack stays under a quarter of the rows held. */
const GROWTH = 1.25
const MIN_ROWS = 8

/**
 * Full-precision rows of one head (the cache's recent window, or every token without a codec), in a
 * growable Float32Array. Removing the oldest rows only advances `start`; the storage is compacted or
 * shrunk when the dead prefix or the slack grows, so physical bytes follow the rows held.
 */
export class RawRows {
  readonly width: number
  private buffer: Float32Array
  private start = 0
  count = 0
  /** A buffer a mark still reads, and the end (in elements) of the rows it reads. */
  private pinned: Float32Array | undefined
  private pinnedEnd = 0

  constructor(width: number, capacityRows = MIN_ROWS) {
    this.width = width
    this.buffer = new Float32Array(width * capacityRows)
  }

  /** The backing array and the element offset of row 0 (valid until the next mutation). */
  get data(): Float32Array {
    return this.buffer
  }

  get offset(): number {
    return this.start * this.width
  }

  get physicalBytes(): number {
    return this.buffer.byteLength
  }

  private reserve(rows: number): void {
    const needed = (this.count + rows) * this.width
    if (this.offset + needed <= this.buffer.length) return
    if (needed <= this.buffer.length / 2) {
      this.unpin()
      this.buffer.copyWithin(0, this.offset, this.offset + this.count * this.width)
    } else {
      const grown = new Float32Array(Math.max(Math.ceil(needed * GROWTH), this.width * MIN_ROWS))
      grown.set(this.buffer.subarray(this.offset, this.offset + this.count * this.width))
      this.buffer = grown
    }
    this.start = 0
  }

  /** Appends `rows` rows from `source` starting at element `sourceOffset`. */
  push(source: Float32Array, sourceOffset: number, rows = 1): void {
    this.reserve(rows)
    const at = this.offset + this.count * this.width
    if (at < this.pinnedEnd) this.unpin()
    this.buffer.set(source.subarray(sourceOffset, sourceOffset + rows * this.width), at)
    this.count += rows
  }

  /** A copy of rows `[from, to)`. */
  copyRows(from: number, to: number): Float32Array {
    return this.buffer.slice(this.offset + from * this.width, this.offset + to * this.width)
  }

  /** Overwrites row `row` with `source[sourceOffset …]`. */
  writeRow(row: number, source: Float32Array, sourceOffset = 0): void {
    this.unpin()
    this.buffer.set(source.subarray(sourceOffset, sourceOffset + this.width), this.offset + row * this.width)
  }

  /** Drops the oldest `rows` rows. */
  dropFront(rows: number): void {
    this.start += rows
    this.count -= rows
    if (this.count === 0) this.start = 0
    this.shrinkIfSparse()
  }

  /** Keeps only the rows whose `remove` flag is 0 (flags indexed by row), preserving order. */
  removeRows(remove: Uint8Array): void {
    if (remove.includes(1)) this.unpin()
    let write = 0
    const base = this.offset
    for (let row = 0; row < this.count; row++) {
      if (remove[row]) continue
      if (write !== row)
        this.buffer.copyWithin(
          base + write * this.width,
          base + row * this.width,
          base + (row + 1) * this.width,
        )
      write++
    }
    this.count = write
    this.shrinkIfSparse()
  }

  private shrinkIfSparse(): void {
    const used = this.count * this.width
    if (this.buffer.length > this.width * MIN_ROWS && used < this.buffer.length / 2) {
      const shrunk = new Float32Array(Math.max(Math.ceil(used * GROWTH), this.width * MIN_ROWS))
      shrunk.set(this.buffer.subarray(this.offset, this.offset + used))
      this.buffer = shrunk
      this.start = 0
    }
  }

  /**
   * Remembers the rows held now, cheaply: the buffer is shared with the mark, and any later write over the
   * rows it reads first moves this store to a copy (appending after them does not).
   */
  mark(): RawRowsMark {
    this.pinned = this.buffer
    this.pinnedEnd = this.offset + this.count * this.width
    return { buffer: this.buffer, start: this.start, count: this.count }
  }

  /** Goes back to a mark of this store (the latest, or one whose rows were not written since). */
  rollback(mark: RawRowsMark): void {
    this.buffer = mark.buffer
    this.start = mark.start
    this.count = mark.count
  }

  /** Forgets the mark: writes go in place again. */
  release(): void {
    this.pinned = undefined
    this.pinnedEnd = 0
  }

  /** A copy of the rows held, with the capacity, as plain data. */
  saveState(): RawRowsState {
    return { capacity: this.buffer.length / this.width, rows: this.copyRows(0, this.count) }
  }

  loadState(state: RawRowsState): void {
    const { rows } = state
    if (!(rows instanceof Float32Array) || rows.length % this.width !== 0) {
      throw new RangeError(`rows: expected a Float32Array of rows of ${this.width} numbers`)
    }
    const capacity = Math.max(rows.length, Math.floor(state.capacity) * this.width, this.width * MIN_ROWS)
    this.buffer = new Float32Array(capacity)
    this.buffer.set(rows)
    this.start = 0
    this.count = rows.length / this.width
    this.release()
  }

  /** Moves to a private copy when the buffer is one a mark reads. */
  private unpin(): void {
    if (this.pinned === undefined || this.buffer !== this.pinned) return
    this.buffer = this.buffer.slice()
  }
}

/** What `RawRows.mark` remembers. */
export interface RawRowsMark {
  readonly buffer: Float32Array
  readonly start: number
  readonly count: number
}

/** The rows of a `RawRows`, saved. */
export interface RawRowsState {
  readonly capacity: number
  readonly rows: Float32Array
}
