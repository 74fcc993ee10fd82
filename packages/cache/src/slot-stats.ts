const EMPTY_F32 = new Float32Array(0)

/**
 * Per-slot statistics of one head, in slot order: original position, precision tier and merged mass,
 * plus accumulated attention, last attention and steps observed when a policy reads attention. Grows by
 * doubling and is compacted on eviction, so the arrays describe exactly the slots held.
 */
export class SlotStats {
  readonly tracksAttention: boolean
  count = 0
  positions = new Int32Array(16)
  mass = new Float32Array(16)
  tiers = new Uint8Array(16)
  attention = EMPTY_F32
  lastAttention = EMPTY_F32
  observed = EMPTY_F32

  constructor(tracksAttention: boolean) {
    this.tracksAttention = tracksAttention
    if (tracksAttention) {
      this.attention = new Float32Array(16)
      this.lastAttention = new Float32Array(16)
      this.observed = new Float32Array(16)
    }
  }

  get physicalBytes(): number {
    return (
      this.positions.byteLength +
      this.mass.byteLength +
      this.tiers.byteLength +
      this.attention.byteLength +
      this.lastAttention.byteLength +
      this.observed.byteLength
    )
  }

  /** Logical bytes per slot: position (4), mass (4), tier (1), and 3 × 4 of attention statistics if tracked. */
  get logicalBytes(): number {
    return this.count * (this.tracksAttention ? 21 : 9)
  }

  private resize(capacity: number): void {
    const n = this.count
    const grow = <T extends Int32Array | Float32Array | Uint8Array>(array: T, next: T): T => {
      next.set(array.subarray(0, n))
      return next
    }
    this.positions = grow(this.positions, new Int32Array(capacity))
    this.mass = grow(this.mass, new Float32Array(capacity))
    this.tiers = grow(this.tiers, new Uint8Array(capacity))
    if (this.tracksAttention) {
      this.attention = grow(this.attention, new Float32Array(capacity))
      this.lastAttention = grow(this.lastAttention, new Float32Array(capacity))
      this.observed = grow(this.observed, new Float32Array(capacity))
    }
  }

  push(position: number): void {
    if (this.count === this.positions.length) this.resize(this.count * 2)
    const slot = this.count++
    this.positions[slot] = position
    this.mass[slot] = 1
    this.tiers[slot] = 0
    if (this.tracksAttention) {
      this.attention[slot] = 0
      this.lastAttention[slot] = 0
      this.observed[slot] = 0
    }
  }

  /** Adds one step's attention (summed over the query heads of the group) to every slot. */
  observe(weights: Float32Array): void {
    for (let slot = 0; slot < this.count; slot++) {
      const w = weights[slot]!
      this.attention[slot]! += w
      this.lastAttention[slot] = w
      this.observed[slot]! += 1
    }
  }

  /** Removes the slots flagged in `remove` (indexed by slot), preserving order. */
  remove(remove: Uint8Array): void {
    let write = 0
    for (let slot = 0; slot < this.count; slot++) {
      if (remove[slot]) continue
      if (write !== slot) {
        this.positions[write] = this.positions[slot]!
        this.mass[write] = this.mass[slot]!
        this.tiers[write] = this.tiers[slot]!
        if (this.tracksAttention) {
          this.attention[write] = this.attention[slot]!
          this.lastAttention[write] = this.lastAttention[slot]!
          this.observed[write] = this.observed[slot]!
        }
      }
      write++
    }
    this.count = write
    if (this.positions.length > 64 && this.count < this.positions.length / 4)
      this.resize(Math.max(16, this.count * 2))
  }
}
