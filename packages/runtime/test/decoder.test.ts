import { describe, expect, it } from 'vitest'
import { float32Codec, keepAll } from '../src/index.js'
import { embeddedModel, maxAbsDiff } from './support.js'

describe('the CPU decoder on the embedded model', () => {
  it('loads offline with its tokenizer', async () => {
    const model = await embeddedModel()
    expect(model.config.numLayers).toBe(8)
    expect(model.config.numKVHeads).toBe(2)
    expect(model.tokenizer!.decode(model.tokenizer!.encode('Fellow citizens'))).toBe('Fellow citizens')
  })

  it('decodes token by token to the same logits as the batched prefill', async () => {
    const model = await embeddedModel()
    const tokens = [
      0,
      ...model.tokenizer!.encode('We the People of the United States, in Order to form a more perfect Union'),
    ]
    const batched = model.prefill(tokens, model.createCache())
    const cache = model.createCache()
    const vocab = model.config.vocabSize
    for (let t = 0; t < tokens.length; t++) {
      const logits = model.step(tokens[t]!, cache)
      expect(maxAbsDiff(logits, batched.subarray(t * vocab, (t + 1) * vocab))).toBeLessThan(1e-3)
    }
  })

  it('gives bit-identical logits with a do-nothing codec and policy', async () => {
    const model = await embeddedModel()
    const tokens = [
      0,
      ...model.tokenizer!.encode(
        'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money',
      ),
    ]
    const plain = model.createCache()
    const plumbed = model.createCache({
      codec: float32Codec({ blockTokens: 4, residual: 3 }),
      policy: keepAll(),
    })
    const prompt = tokens.slice(0, 9)
    expect(model.prefill(prompt, plumbed, { lastOnly: true })).toEqual(
      model.prefill(prompt, plain, { lastOnly: true }),
    )
    for (const token of tokens.slice(9)) expect(model.step(token, plumbed)).toEqual(model.step(token, plain))
    expect(plumbed.stores[0]![0]!.blocks.length).toBeGreaterThan(0)
  })

  it('refuses tokens outside the vocabulary and a prefill into a used cache', async () => {
    const model = await embeddedModel()
    const cache = model.createCache()
    expect(() => model.prefill([0, 5000], cache)).toThrow(
      'token[1] = 5000 is outside the vocabulary [0, 4096)',
    )
    model.prefill([0, 1], cache)
    expect(() => model.prefill([0, 1], cache)).toThrow('the cache already holds 2 tokens')
  })

  it('generates text', async () => {
    const model = await embeddedModel()
    let text = ''
    for await (const piece of model.generate('Fellow citizens,', {
      cache: model.createCache(),
      maxTokens: 12,
    }))
      text += piece
    expect(text.length).toBeGreaterThan(10)
  })
})
