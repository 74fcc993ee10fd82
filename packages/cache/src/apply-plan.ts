import type { KVPolicy, SlotPlan } from '@kv/tensor/contracts'
import type { HeadStore } from './head-store.js'

function checkSlots(
  slots: Int32Array,
  count: number,
  what: string,
  policy: KVPolicy,
  store: HeadStore,
): void {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    if (!Number.isInteger(slot) || slot < 0 || slot >= count) {
      throw new RangeError(
        `policy ${policy.name}: ${what}[${i}] = ${slot} is not a slot of layer ${store.layer} head ${store.head} (0..${count - 1})`,
      )
    }
  }
}

/**
 * Carries out a policy's plan on one head: merges (weighted by mass), demotions (re-encoding the blocks
 * they touch) and evictions (freeing memory). Returns the original positions of the slots removed.
 * The plan is checked before anything changes, so a bad plan leaves the head as it was.
 */
export function applyPlan(store: HeadStore, plan: SlotPlan, policy: KVPolicy): Int32Array {
  const codec = store.codec
  const count = store.count
  const headDim = store.headDim
  const remove = new Uint8Array(count)
  const merge = plan.merge
  if (plan.evict) checkSlots(plan.evict, count, 'evict', policy, store)
  if (merge) {
    checkSlots(merge.from, count, 'merge.from', policy, store)
    checkSlots(merge.into, count, 'merge.into', policy, store)
    if (merge.from.length !== merge.into.length || merge.weights.length !== merge.from.length) {
      throw new RangeError(`policy ${policy.name}: merge.from, merge.into and merge.weights differ in length`)
    }
  }
  for (const demotion of plan.demote ?? []) {
    checkSlots(demotion.slots, count, 'demote.slots', policy, store)
    if (demotion.tier >= codec.tiers) {
      throw new RangeError(
        `policy ${policy.name} demotes to tier ${demotion.tier}, but codec ${codec.name} has ${codec.tiers} tier(s)`,
      )
    }
  }

  if (merge || plan.demote) store.stats.writable()
  if (merge && merge.from.length > 0) {
    const keys = store.decodeAll('key')
    const values = store.decodeAll('value')
    const mass = store.stats.mass
    const touched = new Set<number>()
    for (let i = 0; i < merge.from.length; i++) {
      const from = merge.from[i]!
      const into = merge.into[i]!
      const added = merge.weights[i]! * mass[from]!
      const total = mass[into]! + added
      if (!(total > 0)) continue
      const a = mass[into]! / total
      const b = added / total
      for (let d = 0; d < headDim; d++) {
        keys[into * headDim + d] = a * keys[into * headDim + d]! + b * keys[from * headDim + d]!
        values[into * headDim + d] = a * values[into * headDim + d]! + b * values[from * headDim + d]!
      }
      mass[into] = total
      remove[from] = 1
      touched.add(into)
    }
    const slots = Int32Array.from([...touched].filter((slot) => !remove[slot]).sort((x, y) => x - y))
    const rowsK = new Float32Array(slots.length * headDim)
    const rowsV = new Float32Array(slots.length * headDim)
    for (let i = 0; i < slots.length; i++) {
      rowsK.set(keys.subarray(slots[i]! * headDim, (slots[i]! + 1) * headDim), i * headDim)
      rowsV.set(values.subarray(slots[i]! * headDim, (slots[i]! + 1) * headDim), i * headDim)
    }
    store.rewrite(slots, rowsK, rowsV)
  }

  for (const demotion of plan.demote ?? []) {
    const blocks = new Set<number>()
    for (const slot of demotion.slots) {
      if (store.stats.tiers[slot] === demotion.tier) continue
      store.stats.tiers[slot] = demotion.tier
      const { block } = store.locate(slot)
      if (block >= 0) blocks.add(block)
    }
    for (const block of blocks) store.reencode(block)
  }

  if (plan.evict) for (const slot of plan.evict) remove[slot] = 1
  let removed = 0
  for (let slot = 0; slot < count; slot++) removed += remove[slot]!
  if (removed === 0) return new Int32Array(0)
  const positions = new Int32Array(removed)
  for (let slot = 0, k = 0; slot < count; slot++)
    if (remove[slot]) positions[k++] = store.stats.positions[slot]!
  store.remove(remove)
  return positions
}
