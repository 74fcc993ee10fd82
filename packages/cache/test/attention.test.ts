import { applyRope, ropeInvFreq } from '@kv/tensor'
import type { KVPolicy } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AttentionAccelerator, type CacheShape, FULL_PRECISION, KVCache } from '../src/index.js'

/** Exact attention of every query head over `[tokens, numKVHeads·headDim]` keys and values (float64). */
function reference(
  shape: CacheShape,
  keys: Float32Array,
  values: Float32Array,
  queries: Float32Array,
  position: number,
  keyPositions?: Int32Array,
): Float64Array {
  const { numHeads, numKVHeads, headDim } = shape
  const group = numHeads / numKVHeads
  const width = numKVHeads * headDim
  const tokens = keys.length / width
  const invFreq = ropeInvFreq(headDim, shape.ropeTheta)
  const out = new Float64Array(numHeads * headDim)
  for (let h = 0; h < numHeads; h++) {
    const kv = Math.floor(h / group)
    const logits = new Float64Array(tokens)
    for (let t = 0; t < tokens; t++) {
      // Key t is stored rotated at keyPositions[t] but attended at t: the query moves by the difference.
      const q = queries.slice(h * headDim, (h + 1) * headDim)
      const shift = keyPositions ? keyPositions[t]! - t : 0
      applyRope(q, 0, headDim, position + shift, invFreq)
      let dot = 0
      for (let d = 0; d < headDim; d++) dot += q[d]! * keys[t * width + kv * headDim + d]!
      logits[t] = dot / Math.sqrt(headDim)
    }
    const max = Math.max(...logits)
    let sum = 0
    for (let t = 0; t < tokens; t++) sum += Math.exp(logits[t]! - max)
    for (let t = 0; t < tokens; t++) {
      const w = Math.exp(logits[t]! - max) / sum
      for (let d = 0; d < headDim; d++) out[h * headDim + d]! += w * values[t * width + kv * headDim + d]!
    }
  }
  return out
}

const shapes = fc
  .record({
    numLayers: fc.integer({ min: 1, max: 3 }),
    numKVHeads: fc.integer({ min: 1, max: 3 }),
    group: fc.integer({ min: 1, max: 4 }),
    halfDim: fc.integer({ min: 1, max: 9 }),
  })
  .map(
    ({ numLayers, numKVHeads, group, halfDim }): CacheShape => ({
      numLayers,
      numKVHeads,
      numHeads: numKVHeads * group,
      headDim: 2 * halfDim,
      ropeTheta: 10000,
    }),
  )

function values(count: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233))
}

describe('a cache driven by an outside model runtime', () => {
  it('the default cache is full precision and attends exactly (property: awkward shapes, GQA, prompt + steps)', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer(),
        (shape, prompt, steps, seed) => {
          const cache = new KVCache(shape)
          expect(cache.codec.name).toBe(FULL_PRECISION)
          expect(cache.description).toBe('full')
          const width = shape.numKVHeads * shape.headDim
          const total = prompt + steps
          const keys = values(total * width, seed)
          const vals = values(total * width, seed + 1, 3)
          for (let layer = 0; layer < shape.numLayers; layer++) {
            cache.append(layer, keys.subarray(0, prompt * width), vals.subarray(0, prompt * width))
          }
          cache.endStep()
          expect(cache.length).toBe(prompt)
          for (let t = prompt; t < total; t++) {
            const queries = values(shape.numHeads * shape.headDim, seed + t)
            for (let layer = 0; layer < shape.numLayers; layer++) {
              cache.append(
                layer,
                keys.subarray(t * width, (t + 1) * width),
                vals.subarray(t * width, (t + 1) * width),
              )
              const out = cache.attend(layer, queries)
              const expected = reference(
                shape,
                keys.subarray(0, (t + 1) * width),
                vals.subarray(0, (t + 1) * width),
                queries,
                t,
              )
              for (const [i, x] of out.entries()) expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-5)
            }
            cache.endStep()
          }
          expect(cache.length).toBe(total)
          expect(cache.stats().totalTokens).toBe(total * shape.numLayers * shape.numKVHeads)
        },
      ),
    )
  })

  it("a policy's re-assigned positions move the query by each key's shift (property)", () => {
    // Positions packed from 0 (as after evictions), checked against exact attention at those positions.
    const compact: KVPolicy = {
      name: 'compact',
      needsAttention: false,
      plan: () => null,
      attentionPositions(_stored, count, out) {
        for (let i = 0; i < count; i++) out[i] = i
        return count - 1
      },
    }
    fc.assert(
      fc.property(
        shapes,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer(),
        (shape, tokens, offset, seed) => {
          const cache = new KVCache(shape, { policy: compact })
          const width = shape.numKVHeads * shape.headDim
          const keys = values(tokens * width, seed)
          const vals = values(tokens * width, seed + 1)
          const positions = Int32Array.from({ length: tokens }, (_, t) => offset + 2 * t)
          cache.append(0, keys, vals, { positions })
          const queries = values(shape.numHeads * shape.headDim, seed + 2)
          const out = cache.attend(0, queries)
          // The query sits at the last slot (tokens − 1) of the packed frame; key t at t.
          const packed = reference(shape, keys, vals, queries, tokens - 1, positions)
          for (const [i, x] of out.entries()) expect(Math.abs(x - packed[i]!)).toBeLessThan(1e-5)
        },
      ),
    )
  })

  it('refuses bad rows by name and keeps what it holds', () => {
    const shape: CacheShape = { numLayers: 2, numKVHeads: 2, numHeads: 4, headDim: 4, ropeTheta: 10000 }
    const cache = new KVCache(shape)
    cache.append(0, values(8, 1), values(8, 2))
    expect(() => cache.append(0, values(7, 1), values(7, 2))).toThrow(
      'append(layer 0): keys (7) and values (7) must both be [tokens, 2·4] with tokens ≥ 1',
    )
    expect(() => cache.append(2, values(8, 1), values(8, 2))).toThrow(
      'append: layer 2 is not a layer of this cache (0..1)',
    )
    expect(() => cache.attend(1, values(16, 1))).toThrow('attend(layer 1): the layer holds no token yet')
    expect(() => cache.attend(0, values(15, 1))).toThrow(
      'queries must be [numHeads·headDim] = 16 numbers, got 15',
    )
    expect(cache.head(0, 0).count).toBe(1)
    expect(() => new KVCache({ ...shape, numHeads: 3 })).toThrow(
      'numHeads (3) must be a multiple of numKVHeads (2)',
    )
  })

  it('attendAsync serves through the accelerator, and a lost device falls back to the CPU for good', async () => {
    const shape: CacheShape = { numLayers: 1, numKVHeads: 1, numHeads: 2, headDim: 4, ropeTheta: 10000 }
    let served = 0
    let lost = false
    const accelerator: AttentionAccelerator = {
      name: 'fake',
      producesAttention: false,
      append() {},
      async attend(_layer, _queries, _position, out) {
        if (lost) throw new Error('device lost')
        served++
        out.fill(7)
        return true
      },
      deviceBytes: () => 0,
    }
    const cache = new KVCache(shape, { accelerator })
    const plain = new KVCache(shape)
    for (const c of [cache, plain]) c.append(0, values(12, 1), values(12, 2))
    const queries = values(8, 3)
    expect(Array.from(await cache.attendAsync(0, queries))).toEqual(new Array(8).fill(7))
    lost = true
    expect(await cache.attendAsync(0, queries)).toEqual(plain.attend(0, queries))
    expect(cache.acceleratorLost).toBe('fake: device lost')
    expect(cache.accelerated).toBe(false)
    lost = false
    await cache.attendAsync(0, queries)
    expect(served).toBe(1)
  })
})
