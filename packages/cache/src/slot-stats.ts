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
  /** The positions array a mark still reads (all arrays are shared with it until a write). */
  private pinned: Int32Array | undefined
  private pinnedCount = 0

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
    else if (this.count < this.pinnedCount) this.writable()
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
    this.writable()
    for (let slot = 0; slot < this.count; slot++) {
      const w = weights[slot]!
      this.attention[slot]! += w
      this.lastAttention[slot] = w
      this.observed[slot]! += 1
    }
  }

  /** Removes the slots flagged in `remove` (indexed by slot), preserving order. */
  remove(remove: Uint8Array): void {
    this.writable()
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

  /**
   * Call before writing slots in place (a policy's merge or demotion): when a mark shares the arrays, this
   * moves to private copies first. `push`, `observe` and `remove` call it themselves.
   */
  writable(): void {
    if (this.pinned === undefined || this.positions !== this.pinned) return
    this.positions = this.positions.slice()
    this.mass = this.mass.slice()
    this.tiers = this.tiers.slice()
    if (this.tracksAttention) {
      this.attention = this.attention.slice()
      this.lastAttention = this.lastAttention.slice()
      this.observed = this.observed.slice()
    }
  }

  /** Remembers the statistics held now, cheaply: the arrays are shared until a write over them. */
  mark(): SlotStatsMark {
    this.pinned = this.positions
    this.pinnedCount = this.count
    return this.arrays()
  }

  rollback(mark: SlotStatsMark): void {
    this.count = mark.count
    this.positions = mark.positions
    this.mass = mark.mass
    this.tiers = mark.tiers
    this.attention = mark.attention
    this.lastAttention = mark.lastAttention
    this.observed = mark.observed
  }

  /** Forgets the mark: writes go in place again. */
  release(): void {
    this.pinned = undefined
    this.pinnedCount = 0
  }

  /** A copy of the statistics of the slots held, as plain data. */
  saveState(): SlotStatsMark {
    const n = this.count
    const copy = <T extends Int32Array | Float32Array | Uint8Array>(array: T) =>
      array.slice(0, Math.min(n, array.length)) as T
    return {
      count: n,
      positions: copy(this.positions),
      mass: copy(this.mass),
      tiers: copy(this.tiers),
      attention: copy(this.attention),
      lastAttention: copy(this.lastAttention),
      observed: copy(this.observed),
    }
  }

  loadState(state: SlotStatsMark): void {
    const n = state.count
    const tracked = [state.attention, state.lastAttention, state.observed]
    if (
      !Number.isInteger(n) ||
      n < 0 ||
      !(state.positions instanceof Int32Array) ||
      !(state.mass instanceof Float32Array) ||
      !(state.tiers instanceof Uint8Array) ||
      [state.positions, state.mass, state.tiers].some((a) => a.length < n) ||
      tracked.some((a) => !(a instanceof Float32Array) || a.length < (this.tracksAttention ? n : 0))
    ) {
      throw new RangeError(
        `slot statistics: expected ${n} positions, masses and tiers${this.tracksAttention ? ' and attention sums' : ''}`,
      )
    }
    this.count = 0
    this.release()
    this.resize(Math.max(16, n))
    this.positions.set(state.positions.subarray(0, n))
    this.mass.set(state.mass.subarray(0, n))
    this.tiers.set(state.tiers.subarray(0, n))
    if (this.tracksAttention) {
      this.attention.set(state.attention.subarray(0, n))
      this.lastAttention.set(state.lastAttention.subarray(0, n))
      this.observed.set(state.observed.subarray(0, n))
    }
    this.count = n
  }

  private arrays(): SlotStatsMark {
    return {
      count: this.count,
      positions: this.positions,
      mass: this.mass,
      tiers: this.tiers,
      attention: this.attention,
      lastAttention: this.lastAttention,
      observed: this.observed,
    }
  }
}

/** Statistics of a head's slots: a mark (arrays shared) or a saved copy. */
export interface SlotStatsMark {
  readonly count: number
  readonly positions: Int32Array<ArrayBuffer>
  readonly mass: Float32Array<ArrayBuffer>
  readonly tiers: Uint8Array<ArrayBuffer>
  readonly attention: Float32Array<ArrayBuffer>
  readonly lastAttention: Float32Array<ArrayBuffer>
  readonly observed: Float32Array<ArrayBuffer>
}
