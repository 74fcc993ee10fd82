import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { partialAttention, QueryAwareIvfIndex, retrievalAttend, retrievalAttention } from '../src/index.js'
import { AWKWARD, matrix } from './arbitraries.js'

describe('retrievalAttention', () => {
  it('equals full attention when static ∪ retrieved covers every key', () => {
    const arb = fc
      .record({
        n: fc.constantFrom(...AWKWARD, 130),
        d: fc.constantFrom(1, 3, 17),
        sinks: fc.constantFrom(0, 1, 4),
        window: fc.constantFrom(0, 2, 16),
        scale: fc.constantFrom(1e-30, 1, 20),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          k: matrix(c.n, c.d, c.scale),
          v: matrix(c.n, c.d, 1),
          q: matrix(3, c.d, 1),
        }),
      )
    fc.assert(
      fc.property(arb, ({ c, k, v, q }) => {
        const retriever = retrievalAttention({
          sinks: c.sinks,
          window: c.window,
          topK: c.n,
          cells: 2,
          nprobe: 2,
        })
        const index = retriever.createIndex(0, 0, c.d)
        // The index holds the rows outside the static set, id = row.
        const middle: number[] = []
        for (let r = c.sinks; r < c.n - c.window; r++) middle.push(r)
        const ids = Int32Array.from(middle)
        const keys = new Float32Array(middle.length * c.d)
        for (let i = 0; i < middle.length; i++)
          keys.set(k.subarray(middle[i]! * c.d, middle[i]! * c.d + c.d), i * c.d)
        index.build(keys, ids, ids.length, q, 3)
        const query = q.subarray(0, c.d)
        const scale = 1 / Math.sqrt(c.d)
        const got = retrievalAttend({
          query,
          keys: k,
          values: v,
          count: c.n,
          headDim: c.d,
          scale,
          index,
          ...retriever,
        })
        const all = Int32Array.from({ length: c.n }, (_, r) => r)
        const full = partialAttention(query, k, v, all, c.n, c.d, scale)
        for (let j = 0; j < c.d; j++)
          expect(Math.abs(got.output[j]! - full.output[j]!)).toBeLessThanOrEqual(1e-5)
        expect(got.retrieved.length).toBe(middle.length)
        expect(got.scanned).toBe(middle.length)
      }),
    )
  })

  it('returns a KeyRetriever with the defaults and checks its options', () => {
    const r = retrievalAttention()
    expect([r.name, r.sinks, r.window, r.topK]).toEqual(['retrieval-attention', 4, 508, 100])
    expect(r.createIndex(0, 0, 64).headDim).toBe(64)
    expect(() => retrievalAttention({ topK: 0 })).toThrow(/topK must be an integer >= 1, got 0/)
    expect(() => retrievalAttention({ sinks: -1 })).toThrow(/sinks must be an integer >= 0, got -1/)
    expect(() => retrievalAttention({ nprobe: 1.5 })).toThrow(/nprobe must be an integer >= 1, got 1.5/)
    expect(() => retrievalAttention({ topk: 10 } as never)).toThrow(
      'retrievalAttention: unknown option "topk" (did you mean "topK"?)',
    )
    expect(() => retrievalAttention({ iterations: 1e9 })).toThrow(
      'iterations must be <= 1000, got 1000000000',
    )
    expect(() => retrievalAttention({ window: 2 ** 30 })).toThrow('window must be <= 16777216')
    expect(() => new QueryAwareIvfIndex(4, { probes: 2 } as never)).toThrow(
      'QueryAwareIvfIndex: unknown option "probes"',
    )
    expect(() => r.createIndex(0, 0, 0)).toThrow(/headDim must be an integer >= 1, got 0/)
  })
})
