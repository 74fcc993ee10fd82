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
    const batched = await model.prefill(tokens, model.createCache())
    const cache = model.createCache()
    const vocab = model.config.vocabSize
    for (let t = 0; t < tokens.length; t++) {
      const logits = await model.step(tokens[t]!, cache)
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
    expect(await model.prefill(prompt, plumbed, { lastOnly: true })).toEqual(
      await model.prefill(prompt, plain, { lastOnly: true }),
    )
    for (const token of tokens.slice(9))
      expect(await model.step(token, plumbed)).toEqual(await model.step(token, plain))
    expect(plumbed.head(0, 0).blockCount).toBeGreaterThan(0)
  })

  it('refuses tokens outside the vocabulary', async () => {
    const model = await embeddedModel()
    const cache = model.createCache()
    await expect(model.prefill([0, 5000], cache)).rejects.toThrow(
      'token[1] = 5000 is outside the vocabulary [0, 4096)',
    )
    await expect(model.step(-1, cache)).rejects.toThrow('token[0] = -1 is outside the vocabulary')
    expect(cache.length).toBe(0)
  })

  it('continues a conversation: turn 2 into a cache holding turn 1 gives the logits of one prefill of both', async () => {
    const model = await embeddedModel()
    const turn1 = [0, ...model.tokenizer!.encode('Fellow citizens, we meet tonight')]
    const turn2 = model.tokenizer!.encode(' to speak of the state of the Union.')
    const vocab = model.config.vocabSize
    const whole = await model.prefill([...turn1, ...turn2], model.createCache())
    const conversation = model.createCache()
    await model.prefill(turn1, conversation, { lastOnly: true })
    const continued = await model.prefill(turn2, conversation)
    expect(conversation.length).toBe(turn1.length + turn2.length)
    expect(maxAbsDiff(continued, whole.subarray(turn1.length * vocab))).toBeLessThan(1e-3)
  })

  it('generate continues from a cache that already holds a conversation', async () => {
    const model = await embeddedModel()
    const cache = model.createCache()
    let first = ''
    for await (const piece of model.generate('Fellow citizens,', { cache, maxTokens: 6, stopAtEos: false }))
      first += piece
    const held = cache.length
    expect(held).toBe(1 + model.tokenizer!.encode('Fellow citizens,').length + 6)
    let second = ''
    for await (const piece of model.generate(' And now,', { cache, maxTokens: 6, stopAtEos: false }))
      second += piece
    expect(cache.length).toBe(held + model.tokenizer!.encode(' And now,').length + 6)
    expect(first.length + second.length).toBeGreaterThan(4)
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
