import { readFileSync } from 'node:fs'
import { requireTokenizer } from '@kv/runtime'
import { describe, expect, it } from 'vitest'
import { heldOutTokens } from '../src/index.js'
import { embeddedModel } from './support.js'

describe('the held-out text of the MODEL_CARD', () => {
  it('is the stream of the MODEL_CARD: 155,448 tokens of 26 documents', async () => {
    const model = await embeddedModel()
    const stream = await heldOutTokens(requireTokenizer(model, 'test'))
    expect(stream.length).toBe(155_448)
    expect([...stream].filter((t) => t === 0).length).toBe(26)
  })

  it("starts as the runtime tests' copy of it says", async () => {
    const model = await embeddedModel()
    const stream = await heldOutTokens(requireTokenizer(model, 'test'), model.config.bosTokenId)
    const copy = new URL('../../runtime/test/fixtures/heldout-tokens.json', import.meta.url)
    const { tokens } = JSON.parse(readFileSync(copy, 'utf8')) as { tokens: number[] }
    expect(tokens.length).toBeGreaterThan(1000)
    expect(Array.from(stream.subarray(0, tokens.length))).toEqual(tokens)
  })
})
