import type { CachePhase, SlotView } from '@kv/tensor/contracts'
import type { HeadStore } from './head-store.js'

const EMPTY = new Float32Array(0)

/** The policy's view of one head's slots: subarrays of the statistics, keys and values decoded on demand. */
export function slotView(
  store: HeadStore,
  shape: { numLayers: number; numKVHeads: number },
  position: number,
  phase: CachePhase,
): SlotView {
  const { stats } = store
  const count = stats.count
  const attention = stats.tracksAttention
  let keys: Float32Array | undefined
  let values: Float32Array | undefined
  return {
    layer: store.layer,
    head: store.head,
    numLayers: shape.numLayers,
    numHeads: shape.numKVHeads,
    headDim: store.headDim,
    count,
    position,
    phase,
    positions: stats.positions.subarray(0, count),
    attention: attention ? stats.attention.subarray(0, count) : EMPTY,
    lastAttention: attention ? stats.lastAttention.subarray(0, count) : EMPTY,
    observed: attention ? stats.observed.subarray(0, count) : EMPTY,
    tiers: stats.tiers.subarray(0, count),
    mass: stats.mass.subarray(0, count),
    keys: () => (keys ??= store.decodeAll('key')),
    values: () => (values ??= store.decodeAll('value')),
  }
}
