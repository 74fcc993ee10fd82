import { unifiedLayerSkipping } from '@kv/early-exit'
import { streamingLLM } from '@kv/evict'
import { minicache } from '@kv/merge-minicache'
import { uniform } from '@kv/quant-gear'
import { retrievalAttention } from '@kv/retrieval-ann'
import { describe, expect, it } from 'vitest'
import { embeddedModel, heldOutStart, maxAbsDiff } from './support.js'

async function heldOut(count: number, offset = 0): Promise<Int32Array> {
  const stream = heldOutStart()
  const input = new Int32Array(count)
  input.set(stream.subarray(offset, offset + count - 1), 1)
  return input
}

describe('plug-ins in the real cache', () => {
  it('StreamingLLM keeps sinks + window and runs past the trained context with compact positions', async () => {
    const model = await embeddedModel()
    const cache = model.createCache({ policy: streamingLLM({ sinks: 4, window: 28 }) })
    const tokens = await heldOut(80)
    for (const token of tokens) await model.step(token, cache)
    const store = cache.head(3, 1)
    expect(store.count).toBe(32)
    expect(Array.from(store.positions().subarray(0, 4))).toEqual([0, 1, 2, 3])
    expect(store.positions()[4]).toBe(80 - 28)
    const stats = cache.stats()
    expect(stats.ratio).toBeGreaterThan((80 / 32) * 0.4)
  })

  it('retrieval attention with every key reachable equals full attention', async () => {
    const model = await embeddedModel()
    const tokens = await heldOut(96)
    const prompt = tokens.subarray(0, 64)
    const full = model.createCache()
    const retrieval = model.createCache({
      extensions: [retrievalAttention({ sinks: 4, window: 8, topK: 200, cells: 4, nprobe: 4 })],
    })
    await model.prefill(prompt, full, { lastOnly: true })
    await model.prefill(prompt, retrieval, { lastOnly: true })
    for (const token of tokens.subarray(64)) {
      expect(maxAbsDiff(await model.step(token, retrieval), await model.step(token, full))).toBeLessThan(1e-3)
    }
    expect(retrieval.stats().logicalBytes).toBeGreaterThan(full.stats().logicalBytes)
  })

  it('MiniCache merges layer pairs through the codec and restores exact magnitudes', async () => {
    const model = await embeddedModel()
    const tokens = await heldOut(160)
    const merged = model.createCache({
      extensions: [minicache({ t: 0.5, retain: 0.05 })],
      codec: uniform({ bits: 8, groupSize: 32, residual: 32 }),
    })
    const plain = model.createCache({ codec: uniform({ bits: 8, groupSize: 32, residual: 32 }) })
    await model.prefill(tokens, merged, { lastOnly: true })
    await model.prefill(tokens, plain, { lastOnly: true })
    expect(merged.stats().physicalBytes).toBeLessThan(plain.stats().physicalBytes)
    const store = merged.head(4, 0)
    const keys = store.decodeAll('key')
    const original = plain.head(4, 0).decodeAll('key')
    for (let t = 0; t < store.encodedCount; t++) {
      const norm = (rows: Float32Array) => Math.hypot(...rows.subarray(t * 64, (t + 1) * 64))
      expect(norm(keys)).toBeCloseTo(norm(original), 0)
    }
  })

  it('Unified Layer Skipping never writes the skipped layers', async () => {
    const model = await embeddedModel()
    const cache = model.createCache({ exit: unifiedLayerSkipping({ speedup: 1.5 }) })
    const tokens = await heldOut(24)
    await model.prefill(tokens.subarray(0, 16), cache, { lastOnly: true })
    for (const token of tokens.subarray(16)) await model.step(token, cache)
    const held = cache.stats().tokens.map((heads) => heads[0])
    expect(held).toEqual([24, 24, 0, 24, 0, 24, 0, 24])
  })
})
