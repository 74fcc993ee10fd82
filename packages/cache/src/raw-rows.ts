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
    this.buffer.set(source.subarray(sourceOffset, sourceOffset + rows * this.width), at)
    this.count += rows
  }

  /** A copy of rows `[from, to)`. */
  copyRows(from: number, to: number): Float32Array {
    return this.buffer.slice(this.offset + from * this.width, this.offset + to * this.width)
  }

  /** Overwrites row `row` with `source[sourceOffset …]`. */
  writeRow(row: number, source: Float32Array, sourceOffset = 0): void {
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
}
