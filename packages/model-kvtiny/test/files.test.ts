import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KVTINY_NAME, kvtinyFiles } from '../src/index.js'

/** The weights' digest, as written in the MODEL_CARD. */
const WEIGHTS_SHA256 = 'd4fc374965d1384e0aee13ea73602077fe2e0a83ac2b55d0d950d4b9bf5ee6a2'

const readJson = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>

describe('kvtinyFiles', () => {
  it('points at files of one folder named after the model, each present', () => {
    const folders = new Set(Object.values(kvtinyFiles).map((url) => dirname(fileURLToPath(url))))
    expect(folders.size).toBe(1)
    expect([...folders][0]!.endsWith(KVTINY_NAME)).toBe(true)
    for (const [name, url] of Object.entries(kvtinyFiles)) expect(existsSync(url), name).toBe(true)
  })

  it('holds the model of the MODEL_CARD: its configuration, weights, tokenizer and head scores', () => {
    const config = readJson(kvtinyFiles.config)
    expect(config.architectures).toEqual(['LlamaForCausalLM'])
    expect([config.num_hidden_layers, config.hidden_size, config.vocab_size]).toEqual([8, 256, 4096])
    const weights = readFileSync(kvtinyFiles.safetensors)
    expect(createHash('sha256').update(weights).digest('hex')).toBe(WEIGHTS_SHA256)
    expect((readJson(kvtinyFiles.tokenizer).model as { type: string }).type).toBe('BPE')
    expect(readJson(kvtinyFiles.retrievalHeads).model).toBe(KVTINY_NAME)
    expect(readJson(kvtinyFiles.generationConfig).eos_token_id).toBe(0)
    expect(readJson(kvtinyFiles.tokenizerConfig).eos_token).toBe('<|endoftext|>')
  })
})
