import { type CacheHost, type ExtensionState, float32Codec, type HeadStore } from '@kv/cache'
import { StateReader, Tensor } from '@kv/tensor'
import type { CachePhase, EncodedBlock, KVCodec, LayerMerger, PlainState } from '@kv/tensor/contracts'
import { MergedCodec, type MergedSide, type SharedDirections } from './merged-codec.js'

/**
 * Cross-layer merging inside the cache: when both layers of a pair have a block of the same tokens ready
 * to leave the full-precision window, the merger turns them into one block of directions (encoded once by
 * the codec) and each layer keeps its magnitudes and its retained rows. Blocks whose tokens differ between
 * the two layers (different eviction) are stored unmerged.
 */
export class LayerPairs implements ExtensionState {
  readonly pairs: ReadonlyArray<readonly [number, number]>
  readonly codec: MergedCodec
  private readonly paired = new Set<number>()
  private readonly merger: LayerMerger
  private readonly host: CacheHost
  /** Blocks merged and blocks left unmerged because the two layers held different tokens. */
  merged = 0
  unmerged = 0

  constructor(merger: LayerMerger, host: CacheHost) {
    this.merger = merger
    this.host = host
    this.pairs = merger.pairs(host.shape.numLayers)
    // A cache that never encodes (the full-precision default) still merges: blocks of float32 rows.
    const codec: KVCodec = Number.isFinite(host.codec.residual) ? host.codec : float32Codec()
    this.codec = new MergedCodec(codec)
    for (const [a, b] of this.pairs) {
      this.paired.add(a)
      this.paired.add(b)
    }
  }

  /** Paired layers store through the merged codec (ordinary blocks pass through to the inner codec). */
  codecFor(layer: number, codec: KVCodec): KVCodec {
    return this.paired.has(layer) ? this.codec : codec
  }

  /** True when `layer` belongs to a pair (its blocks are encoded by `onStepEnd`). */
  encodesLayer(layer: number): boolean {
    return this.paired.has(layer)
  }

  onStepEnd(phase: CachePhase): void {
    const { blockTokens, residual } = this.codec
    for (const [a, b] of this.pairs) {
      for (let head = 0; head < this.host.shape.numKVHeads; head++) {
        const storeA = this.host.head(a, head)
        const storeB = this.host.head(b, head)
        for (;;) {
          const waiting = Math.min(storeA.rawKeys.count, storeB.rawKeys.count)
          const take =
            phase === 'prefill' ? waiting - residual : waiting >= residual + blockTokens ? blockTokens : 0
          if (take <= 0 || !samePositions(storeA, storeB, take)) break
          this.mergeBlock(storeA, storeB, take, phase)
          if (phase === 'prefill') break
        }
        if (
          storeA.rawKeys.count > residual + 2 * blockTokens ||
          storeB.rawKeys.count > residual + 2 * blockTokens
        ) {
          this.unmerged++
          storeA.flush(phase)
          storeB.flush(phase)
        }
      }
    }
  }

  /**
   * The merge counters and, for every shared block the paired layers hold, its mutable parts (the encoded
   * directions, which rows are present and alive, how many sides hold it): a failed step can change them
   * in place through `select` and `release`.
   */
  saveState(): PlainState {
    const shared = this.sharedBlocks()
    return {
      merged: this.merged,
      unmerged: this.unmerged,
      // Plain data as saved: the codecs' blocks are objects of numbers and typed arrays.
      shared: shared as unknown as PlainState[],
      direction: shared.map((s) => s.direction) as unknown as PlainState[],
      present: shared.map((s) => s.present.slice()),
      aliveA: shared.map((s) => s.alive[0].slice()),
      aliveB: shared.map((s) => s.alive[1].slice()),
      holders: Int32Array.from(shared, (s) => s.holders),
    }
  }

  loadState(state: PlainState): void {
    const read = new StateReader('minicache', state)
    const merged = read.number('merged', { integer: true, min: 0 })
    const unmerged = read.number('unmerged', { integer: true, min: 0 })
    const shared = read.list('shared') as unknown as SharedDirections[]
    const direction = read.list('direction')
    const holders = read.array('holders', Int32Array)
    const parts = ['present', 'aliveA', 'aliveB'].map((key) => read.list(key))
    const count = shared.length
    if ([direction.length, holders.length, ...parts.map((p) => p.length)].some((n) => n !== count)) {
      throw new RangeError('minicache: saved shared blocks and their parts differ in count')
    }
    shared.forEach((s, i) => {
      const [present, aliveA, aliveB] = parts.map((p) => p[i]) as [Int32Array, Uint8Array, Uint8Array]
      const fits =
        s?.present instanceof Int32Array &&
        present instanceof Int32Array &&
        present.length === s.present.length &&
        aliveA instanceof Uint8Array &&
        aliveB instanceof Uint8Array &&
        aliveA.length === s.alive?.[0]?.length &&
        aliveB.length === s.alive?.[1]?.length &&
        direction[i] !== null &&
        typeof direction[i] === 'object'
      if (!fits) throw new TypeError(`minicache: saved shared block ${i} does not match the block it names`)
    })
    shared.forEach((s, i) => {
      const [present, aliveA, aliveB] = parts.map((p) => p[i]) as [Int32Array, Uint8Array, Uint8Array]
      s.direction = direction[i] as unknown as EncodedBlock
      s.present.set(present)
      s.alive[0].set(aliveA)
      s.alive[1].set(aliveB)
      s.holders = holders[i]!
    })
    this.merged = merged
    this.unmerged = unmerged
  }

  /** Every shared block held by a side in the paired layers, once. */
  private sharedBlocks(): SharedDirections[] {
    const found = new Set<SharedDirections>()
    for (const [a, b] of this.pairs) {
      for (const layer of [a, b]) {
        for (let head = 0; head < this.host.shape.numKVHeads; head++) {
          for (const block of this.host.head(layer, head).blocks) {
            for (const side of [block.keys, block.values] as MergedSide[]) {
              if (side.merged === true) found.add(side.shared)
            }
          }
        }
      }
    }
    return [...found]
  }

  private mergeBlock(storeA: HeadStore, storeB: HeadStore, take: number, phase: CachePhase): void {
    const headDim = storeA.headDim
    const sides = (['key', 'value'] as const).map((role) => {
      const rowsA = (role === 'key' ? storeA.rawKeys : storeA.rawValues).copyRows(0, take)
      const rowsB = (role === 'key' ? storeB.rawKeys : storeB.rawValues).copyRows(0, take)
      const merged = this.merger.merge(rowsA, rowsB, take, headDim)
      const direction = this.codec.inner.encode(Tensor.fromF32(merged.direction, [take, headDim]), {
        role,
        phase,
        layer: storeA.layer,
        head: storeA.head,
      })
      return MergedCodec.sides(this.codec.inner, merged, rowsA, rowsB, take, headDim, direction)
    })
    const [keys, values] = sides as [(typeof sides)[0], (typeof sides)[0]]
    storeA.blocks.push({ keys: keys[0], values: values[0], tokens: take })
    storeB.blocks.push({ keys: keys[1], values: values[1], tokens: take })
    for (const store of [storeA, storeB]) {
      store.rawKeys.dropFront(take)
      store.rawValues.dropFront(take)
    }
    this.merged++
  }
}

function samePositions(a: HeadStore, b: HeadStore, take: number): boolean {
  const firstA = a.encodedCount
  const firstB = b.encodedCount
  for (let i = 0; i < take; i++) {
    if (a.stats.positions[firstA + i] !== b.stats.positions[firstB + i]) return false
  }
  return true
}
