import type { KVPolicy, SlotView } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CacheState, float16Codec, float32Codec, KVCache } from '../src/index.js'

const shape = { numLayers: 2, numKVHeads: 2, numHeads: 4, headDim: 6, ropeTheta: 10000 }
const width = shape.numKVHeads * shape.headDim

function rows(seed: number): Float32Array {
  return Float32Array.from({ length: width }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3)
}

/** Evicts every `every`-th slot once a head holds more than `limit`, and keeps its own step counter. */
function thinning(limit: number, every: number): KVPolicy {
  let plans = 0
  return {
    name: 'thinning',
    needsAttention: true,
    plan(view: SlotView) {
      plans++
      if (view.count <= limit) return null
      const evict = Int32Array.from({ length: Math.floor(view.count / every) }, (_, i) => i * every + 1)
      return { evict: evict.filter((slot) => slot < view.count) }
    },
    saveState: () => ({ plans }),
    loadState(state) {
      plans = (state as { plans: number }).plans
    },
  }
}

/** One decode step on every layer; returns the attention outputs. */
function step(cache: KVCache, seed: number, fail?: { layer: number }): Float32Array[] {
  const outs: Float32Array[] = []
  for (let layer = 0; layer < shape.numLayers; layer++) {
    if (fail?.layer === layer) throw new Error('the runtime failed here')
    cache.append(layer, rows(seed * 7 + layer), rows(seed * 11 + layer))
    outs.push(cache.attend(layer, queries(seed * 13 + layer)))
  }
  cache.endStep({ phase: 'decode' })
  return outs
}

function queries(seed: number): Float32Array {
  return Float32Array.from({ length: shape.numHeads * shape.headDim }, (_, i) => Math.cos(seed + i * 0.37))
}

/** What a cache holds (a restored cache allocates afresh: physical bytes may differ, never these). */
function held(cache: KVCache) {
  const { tokens, totalTokens, logicalBytes, sequenceLength } = cache.stats()
  return { tokens, totalTokens, logicalBytes, sequenceLength, length: cache.length }
}

const bits = (outs: Float32Array[]) => outs.map((o) => Array.from(new Uint32Array(o.slice().buffer)))

const pipelines = [
  () => ({}),
  () => ({ codec: float32Codec({ blockTokens: 3 }) }),
  () => ({ codec: float16Codec({ blockTokens: 4, residual: 2 }), policy: thinning(9, 3) }),
  () => ({ policy: thinning(5, 2) }),
]

describe('saveState / loadState', () => {
  it('a restored cache continues bit-identically (property: pipelines, lengths, save points)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pipelines.length - 1 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (which, before, after) => {
          const original = new KVCache(shape, pipelines[which]!())
          for (let s = 0; s < before; s++) step(original, s)
          const saved = original.saveState()
          const restored = new KVCache(shape, pipelines[which]!())
          restored.loadState(saved)
          expect(held(restored)).toEqual(held(original))
          for (let s = before; s < before + after; s++) {
            expect(bits(step(restored, s))).toEqual(bits(step(original, s)))
          }
          expect(restored.stats().logicalBytes).toBe(original.stats().logicalBytes)
        },
      ),
    )
  })

  it('a step the runtime abandons half-way is undone by abortStep (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pipelines.length - 1 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: shape.numLayers - 1 }),
        (which, before, layer) => {
          const a = new KVCache(shape, pipelines[which]!())
          const b = new KVCache(shape, pipelines[which]!())
          for (let s = 0; s < before; s++) {
            step(a, s)
            step(b, s)
          }
          expect(() => step(a, before, { layer })).toThrow('the runtime failed here')
          expect(a.stepOpen).toBe(layer > 0)
          a.abortStep()
          expect(a.stepOpen).toBe(false)
          expect(a.stats()).toEqual(b.stats())
          for (let s = before; s < before + 5; s++) expect(bits(step(a, s))).toEqual(bits(step(b, s)))
        },
      ),
    )
  })

  it('refuses a state of another shape, pipeline or version, naming it, and keeps what it held', () => {
    const cache = new KVCache(shape, { codec: float32Codec({ blockTokens: 3 }) })
    for (let s = 0; s < 7; s++) step(cache, s)
    const stats = cache.stats()
    const other = new KVCache({ ...shape, headDim: 4 }, { codec: float32Codec({ blockTokens: 3 }) })
    expect(() => other.loadState(cache.saveState())).toThrow(/6 dims, this cache 2 × 2 × 4/)
    const full = new KVCache(shape)
    expect(() => full.loadState(cache.saveState())).toThrow(
      /saved by a "float32\(block 3\)" cache|saved by a/,
    )
    const newer = { ...cache.saveState(), version: 99 } as CacheState
    expect(() => cache.loadState(newer)).toThrow('state format version 99')
    const broken = cache.saveState()
    const heads = broken.heads.map((layer) => layer.slice())
    heads[1]![1] = { ...heads[1]![1]!, stats: { ...heads[1]![1]!.stats, count: 1000 } }
    expect(() => cache.loadState({ ...broken, heads })).toThrow(/layer 1 head 1/)
    expect(cache.stats()).toEqual(stats)
  })

  it('refuses to save or load while a step is open', () => {
    const cache = new KVCache(shape)
    cache.append(0, rows(1), rows(2))
    expect(() => cache.saveState()).toThrow('a step is open')
    cache.abortStep()
    expect(cache.length).toBe(0)
    expect(cache.head(0, 0).count).toBe(0)
  })
})
