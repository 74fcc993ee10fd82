import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exactTopK, QueryAwareIvfIndex } from '../src/index.js'
import { AWKWARD, allScores, MAGNITUDES, matrix, spreadIds } from './arbitraries.js'

const buildArb = fc
  .record({
    n: fc.constantFrom(...AWKWARD, 200),
    qn: fc.constantFrom(1, 3, 7, 17),
    d: fc.constantFrom(1, 3, 7, 17),
    scale: fc.constantFrom(...MAGNITUDES),
    k: fc.constantFrom(1, 3, 10, 100),
    cells: fc.constantFrom(1, 2, 3, 5),
    perQuery: fc.constantFrom(0, 1, 8),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      keys: matrix(c.n, c.d, c.scale),
      queries: matrix(c.qn, c.d, 1),
      query: matrix(1, c.d, 1),
    }),
  )

/** The k largest reference scores: what any correct top-k must return, whatever ids it picks at ties. */
function bestScores(scores: Float64Array, k: number): number[] {
  return Array.from(scores)
    .sort((a, b) => b - a)
    .slice(0, k)
}

function built(
  c: { n: number; qn: number; d: number; cells: number; perQuery: number },
  keys: Float32Array,
  queries: Float32Array,
) {
  const index = new QueryAwareIvfIndex(c.d, {
    cells: Math.min(c.cells, c.qn),
    perQuery: c.perQuery,
    nprobe: 1,
  })
  index.build(keys, spreadIds(c.n), c.n, queries, c.qn)
  return index
}

describe('QueryAwareIvfIndex', () => {
  it('an exhaustive search (nprobe = cells) returns the exact top-k', () => {
    fc.assert(
      fc.property(buildArb, ({ c, keys, queries, query }) => {
        const index = built(c, keys, queries)
        const result = index.searchProbing(query, c.k, index.cells)
        const reference = allScores(keys, c.n, c.d, query)
        expect(result.scanned).toBe(c.n)
        expect(result.ids.length).toBe(Math.min(c.k, c.n))
        const rowOf = (id: number) => (id - 3) / 7
        const got = Array.from(result.ids, (id) => reference[rowOf(id)]!)
        expect(got).toEqual(bestScores(reference, c.k))
        expect(new Set(result.ids).size).toBe(result.ids.length)
        // exactTopK agrees on the scores too.
        const exact = exactTopK(keys, c.n, c.d, query, c.k)
        expect(Array.from(exact.ids, (r) => reference[r]!)).toEqual(got)
      }),
    )
  })

  it('probes the cell best aligned with the query: a sample query finds its own top key with nprobe = 1', () => {
    fc.assert(
      fc.property(buildArb, ({ c, keys, queries }) => {
        fc.pre(c.perQuery > 0)
        const index = built(c, keys, queries)
        for (let q = 0; q < c.qn; q++) {
          // k-means assigned the query to the cell whose centroid it is closest to in direction, and the
          // query's top keys joined that cell: probing that one cell must find its top key.
          const query = queries.subarray(q * c.d, (q + 1) * c.d)
          const reference = allScores(keys, c.n, c.d, query)
          const result = index.searchProbing(query, 1, 1)
          expect(reference[(result.ids[0]! - 3) / 7]).toBe(bestScores(reference, 1)[0])
        }
      }),
    )
  })

  it('adding keys never loses one: every id is found by an exhaustive search, size counts them', () => {
    fc.assert(
      fc.property(buildArb, fc.constantFrom(1, 3, 17, 40), ({ c, keys, queries, query }, extra) => {
        const index = built(c, keys, queries)
        const before = index.bytes()
        const added = new Float32Array(extra * c.d).map((_, i) => keys[i % keys.length]! * -1)
        index.add(added, spreadIds(extra, c.n), extra)
        expect(index.size).toBe(c.n + extra)
        expect(index.bytes()).toBeGreaterThanOrEqual(before)
        const all = index.searchProbing(query, c.n + extra, index.cells)
        expect(all.ids.length).toBe(c.n + extra)
        expect(new Set(all.ids)).toEqual(new Set(spreadIds(c.n + extra)))
      }),
    )
  })

  it('remove drops exactly the given ids, and their rows are reused by later adds', () => {
    fc.assert(
      fc.property(
        buildArb,
        fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
        ({ c, keys, queries, query }, drop) => {
          const index = built(c, keys, queries)
          const ids = spreadIds(c.n)
          const removed = ids.filter((_, i) => drop[i]!)
          index.remove(removed)
          const kept = new Set(ids.filter((_, i) => !drop[i]!))
          expect(index.size).toBe(kept.size)
          const found = index.searchProbing(query, Math.max(1, c.n), index.cells)
          expect(new Set(found.ids)).toEqual(kept)
          const capacity = index.capacity
          index.add(keys.subarray(0, removed.length * c.d), removed, removed.length)
          expect(index.size).toBe(c.n)
          expect(index.capacity).toBe(capacity) // freed rows reused
          expect(new Set(index.searchProbing(query, c.n, index.cells).ids)).toEqual(new Set(ids))
        },
      ),
    )
  })

  it('before build it is a flat index; build replaces what was added', () => {
    const index = new QueryAwareIvfIndex(2)
    index.add(new Float32Array([1, 0, 0, 1, 2, 2]), new Int32Array([5, 6, 7]), 3)
    expect(Array.from(index.search(new Float32Array([1, 0]), 2).ids)).toEqual([7, 5])
    index.build(new Float32Array([1, 1]), new Int32Array([9]), 1, new Float32Array([1, 0]), 1)
    expect(index.size).toBe(1)
    expect(Array.from(index.search(new Float32Array([1, 0]), 3).ids)).toEqual([9])
  })

  it('rejects bad input, naming the value, and keeps its state', () => {
    const index = new QueryAwareIvfIndex(2, { cells: 1 })
    const keys = new Float32Array([1, 0, 0, 1])
    index.build(keys, new Int32Array([1, 2]), 2, new Float32Array([1, 1]), 1)
    expect(() => index.search(new Float32Array([1, 2, 3]), 1)).toThrow(
      /query length must equal headDim 2, got 3/,
    )
    expect(() => index.search(new Float32Array([1, 2]), 0)).toThrow(/k must be an integer >= 1, got 0/)
    expect(() => index.search(new Float32Array([1, 2]), -3)).toThrow(/got -3/)
    expect(() => index.search(new Float32Array([Number.NaN, 2]), 1)).toThrow(
      /query\[0\] must be finite, got NaN/,
    )
    expect(() => index.searchProbing(new Float32Array([1, 2]), 1, 2)).toThrow(
      /nprobe must be <= cells 1, got 2/,
    )
    expect(() => index.add(new Float32Array([1, Number.NaN]), new Int32Array([3]), 1)).toThrow(
      /keys\[0\]\[1\]/,
    )
    expect(() => index.add(new Float32Array([1, 1]), new Int32Array([2]), 1)).toThrow(
      /ids\[0\] = 2 is already/,
    )
    expect(() => index.add(new Float32Array([1, 1]), new Int32Array([-4]), 1)).toThrow(
      /ids\[0\] must be >= 0, got -4/,
    )
    expect(() => index.add(new Float32Array([1, 1, 1]), new Int32Array([7, 8]), 2)).toThrow(
      /keys must hold at least 4/,
    )
    expect(() => index.remove(new Int32Array([1, 99]))).toThrow(/ids\[1\] = 99 is not in the index/)
    expect(() => index.remove(new Int32Array([1, 1]))).toThrow(/ids\[1\] = 1 appears twice/)
    expect(() => index.build(keys, new Int32Array([1, 1]), 2, new Float32Array([1, 1]), 1)).toThrow(
      /ids\[1\] = 1/,
    )
    expect(() => index.build(keys, new Int32Array([1, 2]), 2, new Float32Array(2), 0)).toThrow(/queryCount/)
    expect(() =>
      new QueryAwareIvfIndex(2, { cells: 3 }).build(keys, new Int32Array([1, 2]), 2, keys, 2),
    ).toThrow(/cells must be <= queryCount 2, got 3/)
    expect(() => new QueryAwareIvfIndex(0)).toThrow(/headDim must be an integer >= 1, got 0/)
    expect(() => new QueryAwareIvfIndex(2, { nprobe: 0 })).toThrow(/nprobe must be an integer >= 1, got 0/)
    // Nothing above changed the index.
    expect(index.size).toBe(2)
    expect(Array.from(index.search(new Float32Array([0, 1]), 2).ids)).toEqual([2, 1])
  })

  it('exactTopK rejects bad input', () => {
    const keys = new Float32Array([1, 0, 0, 1])
    expect(() => exactTopK(keys, 2, 2, new Float32Array([1]), 1)).toThrow(
      /query length must equal headDim 2, got 1/,
    )
    expect(() => exactTopK(keys, 2, 2, new Float32Array([1, 0]), 0)).toThrow(
      /k must be an integer >= 1, got 0/,
    )
    expect(() => exactTopK(keys, 2, 2, new Float32Array([1, Number.NaN]), 1)).toThrow(/query\[1\]/)
    expect(() => exactTopK(new Float32Array([1, Number.NaN]), 1, 2, new Float32Array([1, 1]), 1)).toThrow(
      /row 0/,
    )
    expect(() => exactTopK(keys, 3, 2, new Float32Array([1, 0]), 1)).toThrow(/keys must hold at least 6/)
  })
})
