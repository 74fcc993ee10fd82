import { describe, expect, it } from 'vitest'
import { runRetrievalBench } from '../bench/run-retrieval-bench.js'
import { syntheticHeads } from '../bench/synthetic-data.js'

describe('runRetrievalBench', () => {
  it('measures every method on small synthetic heads, exhaustive settings reaching full recall', () => {
    const data = syntheticHeads({
      keyCount: 3000,
      queryCount: 20,
      sampleQueryCount: 200,
      headDim: 16,
      keyClusters: 8,
      queryShift: 3,
      querySpread: 0.5,
      queryScale: 16,
      seed: 3,
    })
    const result = runRetrievalBench({ ...data, headDim: 16, k: 10, cells: 16, hnsw: { efs: [10, 3000] } })
    expect(result.keyCount).toBe(3000)
    const methods = new Set(result.rows.map((r) => r.method))
    expect(methods).toEqual(
      new Set([
        'exact scan',
        'query-aware IVF',
        'query-clustered IVF, no top-k links',
        'key-only IVF',
        'HNSW (hnswlib, ip, keys only)',
      ]),
    )
    const exact = result.rows.find((r) => r.method === 'exact scan')!
    expect(exact.recall).toBe(1)
    const queryAware = result.rows.filter((r) => r.method === 'query-aware IVF')
    // Recall only grows with nprobe, and the sweep stops once it is (nearly) complete.
    for (let i = 1; i < queryAware.length; i++) {
      expect(queryAware[i]!.recall).toBeGreaterThanOrEqual(queryAware[i - 1]!.recall)
      expect(queryAware[i]!.scannedFraction).toBeGreaterThanOrEqual(queryAware[i - 1]!.scannedFraction)
    }
    expect(queryAware.at(-1)!.recall).toBeGreaterThanOrEqual(0.995)
    for (const row of result.rows) expect(row.mass).toBeLessThanOrEqual(exact.mass + 1e-9)
  })
})
