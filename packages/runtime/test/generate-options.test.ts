import { describe, expect, it } from 'vitest'
import { generate } from '../src/decoder/generate.js'
import type { Model } from '../src/index.js'
import { embeddedModel } from './support.js'

async function drain(stream: AsyncGenerator<string>): Promise<string> {
  let text = ''
  for await (const piece of stream) text += piece
  return text
}

/** The embedded model with a shorter context, to run past it in a few tokens. */
function withContext(model: Model, maxPositions: number): Model {
  return Object.create(model, { config: { value: { ...model.config, maxPositions } } }) as Model
}

describe('generate options', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    [
      'NaN temperature',
      { temperature: Number.NaN },
      'generate: temperature must be a finite number in [0, 100], got NaN',
    ],
    [
      'negative temperature',
      { temperature: -0.5 },
      'temperature must be a finite number in [0, 100], got -0.5',
    ],
    ['infinite temperature', { temperature: Number.POSITIVE_INFINITY }, 'got Infinity'],
    ['topK 0', { topK: 0 }, 'generate: topK must be an integer in [1, 16777216], got 0'],
    ['fractional topK', { topK: 2.5 }, 'topK must be an integer'],
    [
      'NaN maxTokens',
      { maxTokens: Number.NaN },
      'generate: maxTokens must be an integer in [0, 16777216], got NaN',
    ],
    ['negative maxTokens', { maxTokens: -1 }, 'maxTokens must be an integer in [0, 16777216], got -1'],
    ['huge maxTokens', { maxTokens: 1e12 }, 'got 1000000000000'],
    ['fractional seed', { seed: 0.5 }, 'seed must be an integer'],
    ['topP (not supported)', { topP: 0.9 }, 'generate: unknown option "topP" (did you mean "topK"?)'],
    ['a typo', { temprature: 1 }, 'generate: unknown option "temprature" (did you mean "temperature"?)'],
    ['a non-boolean stopAtEos', { stopAtEos: 'no' }, 'generate: stopAtEos must be true or false'],
    ['a non-function onToken', { onToken: 3 }, 'generate: onToken must be a function, got number'],
  ]

  it.each(bad)('refuses %s before the prompt touches the cache', async (_name, override, message) => {
    const model = await embeddedModel()
    for (const held of [0, 3]) {
      const cache = model.createCache()
      if (held > 0) await model.prefill([0, 5, 6], cache)
      const options = { cache, maxTokens: 4, ...override } as never
      await expect(drain(model.generate('Fellow citizens,', options))).rejects.toThrow(message)
      expect(cache.length).toBe(held)
    }
  })

  it('refuses a missing cache', async () => {
    const model = await embeddedModel()
    await expect(drain(model.generate('Fellow', { maxTokens: 2 } as never))).rejects.toThrow(
      'generate: options.cache must be a KVCache',
    )
  })

  it('warns once when the prompt runs past the context, and goes on', async () => {
    const model = withContext(await embeddedModel(), 6)
    const warnings: string[] = []
    const cache = model.createCache()
    const prompt = 'Fellow citizens of the Senate and of the House'
    const promptTokens = 1 + model.tokenizer!.encode(prompt).length
    expect(promptTokens).toBeGreaterThan(6)
    await drain(
      generate(model, prompt, { cache, maxTokens: 3, stopAtEos: false, onWarning: (m) => warnings.push(m) }),
    )
    expect(warnings).toEqual([
      `generate: the prompt reaches position ${promptTokens}, past the model's context of 6 positions (maxPositions); output past it degrades`,
    ])
    expect(cache.length).toBe(promptTokens + 3)
  })

  it('warns once when generation crosses the context, not before', async () => {
    const model = withContext(await embeddedModel(), 8)
    const promptTokens = 1 + model.tokenizer!.encode('Fellow').length
    const fits = 8 - promptTokens
    const run = async (maxTokens: number) => {
      const warnings: string[] = []
      const cache = model.createCache()
      const onWarning = (m: string) => warnings.push(m)
      await drain(generate(model, 'Fellow', { cache, maxTokens, stopAtEos: false, onWarning }))
      return warnings
    }
    // every generated token is stored: `fits` tokens fill the context exactly, one more runs past it
    expect(await run(fits)).toEqual([])
    expect(await run(fits + 1)).toHaveLength(1)
    expect(await run(fits + 4)).toEqual([
      "generate: generation reached the model's context of 8 positions (maxPositions); output past it degrades",
    ])
  })
})
