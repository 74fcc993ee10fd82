import { requireTokenizer } from '@kv/runtime'
import { describe, expect, it } from 'vitest'
import { heldOutTokens, windowedPerplexity } from '../src/index.js'
import { embeddedModel } from './support.js'

describe('windowedPerplexity', () => {
  it('scores the first held-out window as the reference implementation does', async () => {
    const model = await embeddedModel()
    const stream = await heldOutTokens(requireTokenizer(model, 'test'))
    const result = await windowedPerplexity(model, stream, { maxWindows: 1 })
    // The first window alone (2,048 tokens of the 2011 address); all 75 windows give 45.22 (MODEL_CARD).
    expect(result.tokens).toBe(2048)
    expect(result.perplexity).toBeGreaterThan(35.8 * 0.995)
    expect(result.perplexity).toBeLessThan(35.8 * 1.005)
  }, 120_000)
})
