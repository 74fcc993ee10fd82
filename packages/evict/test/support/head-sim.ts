import type { CachePhase, SlotPlan, SlotView } from '@kv/tensor/contracts'

/** Throws when a plan breaks the contract: indices out of range, not ascending, or overlapping roles. */
export function checkPlan(plan: SlotPlan, count: number): void {
  const role = new Uint8Array(count) // 1 evicted, 2 merged away, 4 merge target
  const ascending = (name: string, a: Int32Array) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!
      if (!Number.isInteger(x) || x < 0 || x >= count)
        throw new Error(`${name}[${i}] = ${x} out of [0, ${count})`)
      if (i > 0 && a[i - 1]! >= x) throw new Error(`${name} not strictly ascending at ${i}`)
    }
  }
  if (plan.evict) {
    ascending('evict', plan.evict)
    for (const x of plan.evict) role[x] = 1
  }
  if (plan.merge) {
    const { from, into, weights } = plan.merge
    if (from.length !== into.length || from.length !== weights.length)
      throw new Error('merge arrays differ in length')
    ascending('merge.from', from)
    for (const x of from) {
      if (role[x] !== 0) throw new Error(`slot ${x} both evicted and merged`)
      role[x] = 2
    }
    for (let i = 0; i < into.length; i++) {
      const t = into[i]!
      if (!Number.isInteger(t) || t < 0 || t >= count) throw new Error(`merge.into[${i}] = ${t} out of range`)
      if (role[t] === 1 || role[t] === 2) throw new Error(`merge target ${t} is evicted by the same plan`)
      role[t] = 4
      const w = weights[i]!
      if (!Number.isFinite(w) || w < 0) throw new Error(`merge.weights[${i}] = ${w}`)
    }
  }
  for (const d of plan.demote ?? []) ascending('demote.slots', d.slots)
}

/**
 * One head's slots, held as plain arrays, with a plan applied exactly as the contract says: merges as
 * mass-weighted averages (target mass grows by weight × source mass), evictions freed, demotions re-tiered.
 */
export class HeadSim {
  positions: number[] = []
  attention: number[] = []
  lastAttention: number[] = []
  observed: number[] = []
  tiers: number[] = []
  mass: number[] = []
  keys: Float32Array[] = []
  values: Float32Array[] = []
  /** Tokens appended so far. */
  seen = 0
  /** Mass gone: evicted slots plus the unclaimed (1 − weight) share of merged ones. */
  droppedMass = 0
  /** Mass of slots evicted outright. */
  evictedMass = 0
  /** Mass moved into merge targets (Σ weight × source mass). */
  claimedMass = 0

  constructor(readonly headDim: number) {}

  get count(): number {
    return this.positions.length
  }

  append(position: number, key: Float32Array, value: Float32Array): void {
    this.positions.push(position)
    this.attention.push(0)
    this.lastAttention.push(0)
    this.observed.push(0)
    this.tiers.push(0)
    this.mass.push(1)
    this.keys.push(key)
    this.values.push(value)
    this.seen++
  }

  /** Adds one step's weights over the first `weights.length` slots. */
  attend(weights: Float32Array): void {
    for (let i = 0; i < weights.length; i++) {
      this.attention[i]! += weights[i]!
      this.lastAttention[i] = weights[i]!
      this.observed[i]!++
    }
  }

  view(shape: {
    layer: number
    head: number
    numLayers: number
    numHeads: number
    phase: CachePhase
  }): SlotView {
    const d = this.headDim
    const flat = (rows: Float32Array[]) => {
      const out = new Float32Array(rows.length * d)
      rows.forEach((r, i) => {
        out.set(r, i * d)
      })
      return out
    }
    // Snapshot the rows: the view must not see the plan applied after it.
    const keys = this.keys.slice()
    const values = this.values.slice()
    return {
      ...shape,
      headDim: d,
      count: this.count,
      position: this.seen - 1,
      positions: Int32Array.from(this.positions),
      attention: Float32Array.from(this.attention),
      lastAttention: Float32Array.from(this.lastAttention),
      observed: Float32Array.from(this.observed),
      tiers: Uint8Array.from(this.tiers),
      mass: Float32Array.from(this.mass),
      keys: () => flat(keys),
      values: () => flat(values),
    }
  }

  apply(plan: SlotPlan | null): void {
    if (plan === null) return
    checkPlan(plan, this.count)
    const gone = new Uint8Array(this.count)
    if (plan.merge) {
      const { from, into, weights } = plan.merge
      for (let i = 0; i < from.length; i++) {
        const f = from[i]!
        const t = into[i]!
        const add = weights[i]! * this.mass[f]!
        const total = this.mass[t]! + add
        const key = new Float32Array(this.headDim)
        const value = new Float32Array(this.headDim)
        for (let j = 0; j < this.headDim; j++) {
          key[j] = (this.mass[t]! * this.keys[t]![j]! + add * this.keys[f]![j]!) / total
          value[j] = (this.mass[t]! * this.values[t]![j]! + add * this.values[f]![j]!) / total
        }
        this.keys[t] = key
        this.values[t] = value
        this.droppedMass += this.mass[f]! - add
        this.claimedMass += add
        this.mass[t] = total
        gone[f] = 1
      }
    }
    for (const e of plan.evict ?? []) {
      this.droppedMass += this.mass[e]!
      this.evictedMass += this.mass[e]!
      gone[e] = 1
    }
    for (const d of plan.demote ?? []) for (const s of d.slots) this.tiers[s] = d.tier
    const keep = (_: unknown, i: number) => gone[i] === 0
    this.positions = this.positions.filter(keep)
    this.attention = this.attention.filter(keep)
    this.lastAttention = this.lastAttention.filter(keep)
    this.observed = this.observed.filter(keep)
    this.tiers = this.tiers.filter(keep)
    this.mass = this.mass.filter(keep)
    this.keys = this.keys.filter(keep)
    this.values = this.values.filter(keep)
  }

  keptMass(): number {
    return this.mass.reduce((a, b) => a + b, 0)
  }
}
