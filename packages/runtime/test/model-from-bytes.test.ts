import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { kvtinyFiles } from '@kv/model-kvtiny'
import { describe, expect, it } from 'vitest'
import { MissingTokenizerError, modelFromBytes } from '../src/index.js'
import { loadModel } from '../src/node/index.js'
import { embeddedModel } from './support.js'

const PROMPT = [0, 464, 1110, 286, 262]

async function kvtinyBytes() {
  const json = async (url: URL) => JSON.parse(await readFile(url, 'utf8')) as unknown
  return {
    config: await json(kvtinyFiles.config),
    safetensors: new Uint8Array(await readFile(kvtinyFiles.safetensors)),
    tokenizer: { json: await json(kvtinyFiles.tokenizer), config: await json(kvtinyFiles.tokenizerConfig) },
  }
}

async function firstPieces(model: Awaited<ReturnType<typeof embeddedModel>>): Promise<string> {
  let text = ''
  for await (const piece of model.generate('Fellow citizens,', { cache: model.createCache(), maxTokens: 8 }))
    text += piece
  return text
}

describe('modelFromBytes', () => {
  it('builds from the files in memory the same model as loadModel reads from disk', async () => {
    const fromDisk = await embeddedModel()
    const fromBytes = modelFromBytes({ ...(await kvtinyBytes()), name: 'kvtiny-7m in memory' })
    expect(fromBytes.source).toBe('kvtiny-7m in memory')
    expect(fromBytes.config).toEqual(fromDisk.config)
    const cache = () => fromDisk.createCache()
    expect(await fromBytes.prefill(PROMPT, cache())).toEqual(await fromDisk.prefill(PROMPT, cache()))
    expect(await firstPieces(fromBytes)).toBe(await firstPieces(fromDisk))
  })

  it('without a tokenizer, decodes token ids and refuses text with MissingTokenizerError', async () => {
    const { tokenizer: _, ...weightsOnly } = await kvtinyBytes()
    const model = modelFromBytes({ ...weightsOnly, name: 'weights-only' })
    expect(model.tokenizer).toBeUndefined()
    const cache = model.createCache()
    expect(await model.prefill(PROMPT, cache, { lastOnly: true })).toHaveLength(model.config.vocabSize)
    expect(await model.step(13, cache)).toHaveLength(model.config.vocabSize)
    const generate = () => model.generate('Fellow citizens,', { cache: model.createCache(), maxTokens: 4 })
    expect(generate).toThrow(MissingTokenizerError)
    expect(generate).toThrow(
      'generate: this model was loaded without a tokenizer (no tokenizer.json in weights-only); ' +
        'use token ids: model.prefill(ids, cache) / model.step(id, cache)',
    )
  })

  it('names the source of a bad config', async () => {
    const bytes = await kvtinyBytes()
    const config = { ...(bytes.config as object), hidden_act: 'gelu' }
    expect(() => modelFromBytes({ ...bytes, config, name: 'mine' })).toThrow(
      'mine: config.json: hidden_act "gelu" is not supported',
    )
  })
})

describe('loadModel (node)', () => {
  it('loads a folder without tokenizer.json for token ids, naming the folder when text is asked for', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kv-weights-only-'))
    await copyFile(kvtinyFiles.config, join(folder, 'config.json'))
    await copyFile(kvtinyFiles.safetensors, join(folder, 'model.safetensors'))
    const model = await loadModel(folder)
    expect(model.source).toBe(folder)
    expect(model.tokenizer).toBeUndefined()
    expect(await model.prefill(PROMPT, model.createCache())).toEqual(
      await (await embeddedModel()).prefill(PROMPT, model.createCache()),
    )
    expect(() => model.generate('Call me Ishmael.', { cache: model.createCache(), maxTokens: 1 })).toThrow(
      `no tokenizer.json in ${folder}`,
    )
  })

  it('names a folder without config.json', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kv-empty-'))
    await writeFile(join(folder, 'model.safetensors'), new Uint8Array(0))
    await expect(loadModel(folder)).rejects.toThrow(
      `${join(folder, 'config.json')}: cannot read model config: ENOENT`,
    )
  })
})
