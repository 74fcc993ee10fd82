import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CacheExtension, CompositionError, float32Codec, KVCache } from '../src/index.js'

const shape = {
  numLayers: 2,
  numKVHeads: 2,
  numHeads: 4,
  headDim: 8,
  maxPositions: 2048,
  ropeTheta: 10000,
  backendAttention: true,
  backend: 'cpu',
}

/** A policy that evicts whatever a test script says, at the step it says. */
function scripted(
  plans: Map<number, (view: SlotView) => SlotPlan | null>,
  extra: Partial<KVPolicy> = {},
): KVPolicy {
  return {
    name: 'scripted',
    needsAttention: true,
    plan: (view) => plans.get(view.position)?.(view) ?? null,
    ...extra,
  }
}

function rows(count: number, width: number, seed: number): Float32Array {
  return Float32Array.from({ length: count * width }, (_, i) => Math.sin(seed * 31 + i * 0.7))
}

/** Appends `count` tokens to every layer and head and ends each step, as the decoder does. */
function feed(cache: KVCache, count: number, seed = 1): void {
  const width = shape.numKVHeads * shape.headDim
  const queries = rows(1, shape.numHeads * shape.headDim, seed)
  const out = new Float32Array(shape.numHeads * shape.headDim)
  for (let t = 0; t < count; t++) {
    const position = cache.length
    for (let layer = 0; layer < shape.numLayers; layer++) {
      cache.append(layer, rows(1, width, seed + position * 3), rows(1, width, seed + position * 5 + 1))
      cache.attend(layer, queries, out)
    }
    cache.endStep({ phase: 'decode' })
  }
}

describe('composition at createCache', () => {
  it('refuses a policy that reads attention on a backend that has none, naming both', () => {
    const policy = scripted(new Map())
    expect(() => new KVCache({ ...shape, backendAttention: false, backend: 'webgpu' }, { policy })).toThrow(
      CompositionError,
    )
    expect(() => new KVCache({ ...shape, backendAttention: false, backend: 'webgpu' }, { policy })).toThrow(
      'policy scripted reads attention weights, but the webgpu backend does not produce them',
    )
  })

  it('refuses a demoting policy without a codec of enough tiers', () => {
    const policy = scripted(new Map(), { tiers: 1 })
    expect(() => new KVCache(shape, { policy, codec: float32Codec() })).toThrow('codec float32 has 1 tier(s)')
  })

  it('refuses two extensions that take over the same part, naming both', () => {
    const claiming = (name: string): CacheExtension => ({ name, claims: ['keys'], attach: () => ({}) })
    expect(() => new KVCache(shape, { extensions: [claiming('a'), claiming('b')] })).toThrow(
      'extensions a and b both take over the keys of a layer',
    )
  })

  it("passes on an extension's own refusal", () => {
    const picky: CacheExtension = {
      name: 'picky',
      check: (_shape, options) =>
        options.policy ? `picky cannot work with policy ${options.policy.name}` : undefined,
      attach: () => ({}),
    }
    expect(() => new KVCache(shape, { extensions: [picky] })).not.toThrow()
    expect(() => new KVCache(shape, { extensions: [picky], policy: scripted(new Map()) })).toThrow(
      new CompositionError('picky cannot work with policy scripted'),
    )
  })
})

describe('eviction', () => {
  it('frees memory: physical bytes fall when blocks empty, heads hold different lengths', () => {
    const plans = new Map<number, (view: SlotView) => SlotPlan | null>([
      [99, (view) => (view.head === 0 ? { evict: Int32Array.from({ length: 80 }, (_, i) => i) } : null)],
    ])
    const cache = new KVCache(shape, { policy: scripted(plans), codec: float32Codec({ blockTokens: 16 }) })
    feed(cache, 99)
    const before = cache.stats()
    feed(cache, 1)
    const after = cache.stats()
    expect(after.tokens[0]).toEqual([20, 100])
    expect(after.physicalBytes).toBeLessThan(before.physicalBytes)
    expect(after.logicalBytes).toBeLessThan(before.logicalBytes)
  })

  it('a bad plan throws naming the policy and slot, and the step is undone: the cache is as before it', () => {
    const plans = new Map<number, (view: SlotView) => SlotPlan | null>([
      [9, (view) => ({ evict: Int32Array.of(0, view.count + 3) })],
    ])
    const cache = new KVCache(shape, { policy: scripted(plans), codec: float32Codec({ blockTokens: 4 }) })
    feed(cache, 9)
    const keys = cache.head(0, 0).decodeAll('key')
    expect(() => feed(cache, 1)).toThrow(
      'policy scripted: evict[1] = 13 is not a slot of layer 0 head 0 (0..9)',
    )
    expect(cache.head(0, 0).count).toBe(9)
    expect(cache.length).toBe(9)
    expect(cache.stepOpen).toBe(false)
    expect(cache.head(0, 0).decodeAll('key')).toEqual(keys)
  })

  it('keeps exactly the slots not evicted, in order, through blocks and the window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }),
        (tokens, blockTokens, residual, picks) => {
          const doomed = new Set(picks.map((p) => p % tokens))
          const plans = new Map<number, (view: SlotView) => SlotPlan | null>([
            [tokens - 1, () => ({ evict: Int32Array.from([...doomed].sort((a, b) => a - b)) })],
          ])
          const cache = new KVCache(shape, {
            policy: scripted(plans),
            codec: float32Codec({ blockTokens, residual }),
          })
          feed(cache, tokens)
          const store = cache.head(1, 1)
          const kept = [...Array(tokens).keys()].filter((t) => !doomed.has(t))
          expect(Array.from(store.positions())).toEqual(kept)
          const width = shape.numKVHeads * shape.headDim
          const keys = store.decodeAll('key')
          kept.forEach((position, slot) => {
            const expected = rows(1, width, 1 + position * 3).subarray(shape.headDim, 2 * shape.headDim)
            expect(keys.subarray(slot * shape.headDim, (slot + 1) * shape.headDim)).toEqual(expected)
          })
        },
      ),
    )
  })

  it('merges by mass: the target becomes the mass-weighted mean and counts the tokens it absorbed', () => {
    const plans = new Map<number, (view: SlotView) => SlotPlan | null>([
      [
        5,
        () => ({
          merge: { from: Int32Array.of(1, 2), into: Int32Array.of(0, 0), weights: Float32Array.of(1, 1) },
        }),
      ],
    ])
    const cache = new KVCache(shape, { policy: scripted(plans) })
    feed(cache, 6)
    const store = cache.head(0, 0)
    expect(store.count).toBe(4)
    expect(store.mass()[0]).toBe(3)
    const width = shape.numKVHeads * shape.headDim
    const mean = Float32Array.from(
      { length: shape.headDim },
      (_, d) => [0, 1, 2].reduce((sum, p) => sum + rows(1, width, 1 + p * 3)[d]!, 0) / 3,
    )
    const merged = store.decodeAll('key').subarray(0, shape.headDim)
    merged.forEach((x, d) => {
      expect(x).toBeCloseTo(mean[d]!, 5)
    })
  })
})
